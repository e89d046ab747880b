package io.sipfleet.device.config;

import static io.sipfleet.device.FirmwareProfile.V3;
import static io.sipfleet.device.sip.Method.REGISTER;
import static io.sipfleet.device.testing.Sim.PRIMARY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sipfleet.device.Outputs.LineState;
import io.sipfleet.device.Phone;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.testing.Sim;
import java.util.List;
import java.util.function.UnaryOperator;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** behaviour.md §2: the line configuration items, their defaults and the refusal of bad values. */
class LineConfigTest {

    private static LineConfig.Builder valid() {
        return LineConfig.builder().registerAddr("10.0.0.1").backupAddr("sip-backup.example.com").user("1001")
                .password("pw1001");
    }

    private static InvalidConfigException refused(ThrowingCallable call) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, call);
        assertThat(e).as("refused with an InvalidConfigException").isNotNull();
        return e;
    }

    /** Builds {@code valid()} changed by {@code change}; asserts the refusal names exactly {@code item}. */
    private static InvalidConfigException refusedNaming(UnaryOperator<LineConfig.Builder> change, ConfigItem item) {
        InvalidConfigException e = refused(() -> change.apply(valid()).build());
        assertThat(e.field()).isEqualTo(item.key());
        assertThat(e.violations()).extracting(InvalidConfigException.Violation::item).containsExactly(item);
        assertThat(e.getMessage()).startsWith(item.key() + ": ");
        return e;
    }

    // ---- defaults -------------------------------------------------------------------------------------

    @Test
    void everyItemHasItsSection2Default() {
        LineConfig c = LineConfig.builder().registerAddr("10.0.0.1").backupAddr("10.0.0.2").user("1001").build();

        assertThat(c.enabled()).isTrue();
        assertThat(c.servers()).hasSize(2);
        ServerConfig primary = c.server(0);
        assertThat(primary.address()).isEqualTo("10.0.0.1");
        assertThat(primary.port()).isEqualTo(5060);
        assertThat(primary.ttl()).isEqualTo(3600);
        assertThat(primary.transport()).isEqualTo(Transport.UDP);
        assertThat(primary.role()).isEqualTo("primary");
        ServerConfig backup = c.server(1);
        assertThat(backup.address()).isEqualTo("10.0.0.2");
        assertThat(backup.port()).isEqualTo(5060);
        assertThat(backup.ttl()).isEqualTo(3600);
        assertThat(backup.transport()).isEqualTo(Transport.UDP);
        assertThat(backup.role()).isEqualTo("backup");
        assertThat(c.enableFailback()).isTrue();
        assertThat(c.failbackInterval()).isEqualTo(1800);
        assertThat(c.signalRetryCounts()).isEqualTo(3);
        assertThat(c.signalRetryDuration()).isEqualTo(16);
        assertThat(c.keepAliveInterval()).isEqualTo(60);
        assertThat(c.registerRetryInterval()).isEqualTo(32);
        assertThat(c.password()).isEmpty();
        assertThat(c.displayName()).isEmpty();
    }

    @Test
    void aFreshBuilderHoldsTheDefaults() {
        LineConfig.Builder b = LineConfig.builder();
        assertThat(b.registerAddr()).isEmpty();
        assertThat(b.registerPort()).isEqualTo(LineConfig.DEFAULT_PORT).isEqualTo(5060);
        assertThat(b.registerTtl()).isEqualTo(LineConfig.DEFAULT_TTL).isEqualTo(3600);
        assertThat(b.transport()).isEqualTo(Transport.UDP);
        assertThat(b.backupAddr()).isEmpty();
        assertThat(b.backupPort()).isEqualTo(5060);
        assertThat(b.backupTtl()).isEqualTo(3600);
        assertThat(b.backupTransport()).isEqualTo(Transport.UDP);
        assertThat(b.extraServers()).isEmpty();
        assertThat(b.enableFailback()).isTrue();
        assertThat(b.failbackInterval()).isEqualTo(1800);
        assertThat(b.signalRetryCounts()).isEqualTo(3);
        assertThat(b.signalRetryDuration()).isEqualTo(16);
        assertThat(b.keepAliveInterval()).isEqualTo(60);
        assertThat(b.registerRetryInterval()).isEqualTo(32);
    }

    @Test
    void authUserDefaultsToTheUserAndDomainToTheRegisterAddr() {
        LineConfig c = LineConfig.builder().registerAddr("sip.example.com").user("1001").build();
        assertThat(c.authUser()).isEqualTo("1001");
        assertThat(c.domain()).isEqualTo("sip.example.com");

        LineConfig set = LineConfig.builder().registerAddr("sip.example.com").user("1001").authUser("auth-1001")
                .domain("example.com").build();
        assertThat(set.authUser()).isEqualTo("auth-1001");
        assertThat(set.domain()).isEqualTo("example.com");
    }

    @Test
    void aBackupWithoutItsOwnSettingsGetsTheDefaultsNotThePrimarys() {
        LineConfig c = LineConfig.builder().registerAddr("10.0.0.1").registerPort(5070).registerTtl(600)
                .transport(Transport.TCP).backupAddr("10.0.0.2").user("1001").build();
        assertThat(c.server(0).port()).isEqualTo(5070);
        assertThat(c.server(0).ttl()).isEqualTo(600);
        assertThat(c.server(0).transport()).isEqualTo(Transport.TCP);
        assertThat(c.server(1).port()).isEqualTo(5060);
        assertThat(c.server(1).ttl()).isEqualTo(3600);
        assertThat(c.server(1).transport()).isEqualTo(Transport.UDP);
    }

    @Test
    void keepAliveIntervalZeroIsAcceptedAsOff() {
        assertThat(valid().keepAliveInterval(0).build().keepAliveInterval()).isZero();
    }

    @Test
    void boundaryValuesAreAccepted() {
        LineConfig c = valid().registerPort(1).backupPort(65535).signalRetryCounts(0).signalRetryDuration(1)
                .failbackInterval(1).registerRetryInterval(1).build();
        assertThat(c.server(0).port()).isEqualTo(1);
        assertThat(c.server(1).port()).isEqualTo(65535);
        assertThat(c.signalRetryCounts()).isZero();
        assertThat(valid().signalRetryCounts(10).build().signalRetryCounts()).isEqualTo(10);
    }

    // ---- one bad item at a time --------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65536, 70000})
    void registerPortOutside1To65535IsRefusedNamingRegisterPort(int port) {
        InvalidConfigException e = refusedNaming(b -> b.registerPort(port), ConfigItem.REGISTER_PORT);
        assertThat(e.getMessage()).contains(Integer.toString(port));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 70000})
    void backupPortOutside1To65535IsRefusedNamingBackupPort(int port) {
        refusedNaming(b -> b.backupPort(port), ConfigItem.BACKUP_PORT);
    }

    @Test
    void negativeFailbackIntervalIsRefusedNamingFailbackInterval() {
        refusedNaming(b -> b.failbackInterval(-1), ConfigItem.FAILBACK_INTERVAL);
    }

    @Test
    void negativeKeepAliveIntervalIsRefusedNamingKeepAliveInterval() {
        refusedNaming(b -> b.keepAliveInterval(-1), ConfigItem.KEEP_ALIVE_INTERVAL);
    }

    @Test
    void negativeRegisterRetryIntervalIsRefusedNamingRegisterRetryInterval() {
        refusedNaming(b -> b.registerRetryInterval(-5), ConfigItem.REGISTER_RETRY_INTERVAL);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 11})
    void signalRetryCountsOutside0To10IsRefusedNamingSignalRetryCounts(int counts) {
        refusedNaming(b -> b.signalRetryCounts(counts), ConfigItem.SIGNAL_RETRY_COUNTS);
    }

    @Test
    void signalRetryDurationZeroIsRefusedNamingSignalRetryDuration() {
        refusedNaming(b -> b.signalRetryDuration(0), ConfigItem.SIGNAL_RETRY_DURATION);
    }

    @ParameterizedTest
    @ValueSource(strings = {"300.1.1.1", "bad host!", "-x.com", "1.2.3", "a..b"})
    void anUnparsableRegisterAddrIsRefusedNamingRegisterAddr(String address) {
        InvalidConfigException e = refusedNaming(b -> b.registerAddr(address), ConfigItem.REGISTER_ADDR);
        assertThat(e.getMessage()).contains(address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"300.1.1.1", "bad host!", "-x.com"})
    void anUnparsableBackupAddrIsRefusedNamingBackupAddr(String address) {
        refusedNaming(b -> b.backupAddr(address), ConfigItem.BACKUP_ADDR);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "255.255.255.255", "sip.example.com", "pbx", "my-pbx.local", "::1",
            "[2001:db8::1]"})
    void ipAddressesAndDomainNamesAreAccepted(String address) {
        assertThat(valid().registerAddr(address).build().server(0).address()).isEqualTo(address);
    }

    @Test
    void theUserIsRequiredWhenTheLineHasAServer() {
        refusedNaming(b -> b.user(""), ConfigItem.USER);
        refusedNaming(b -> b.user("   "), ConfigItem.USER);
    }

    @Test
    void aBackupWithoutAPrimaryIsRefusedNamingRegisterAddr() {
        InvalidConfigException e = refused(() -> LineConfig.builder().backupAddr("10.0.0.2").user("1001").build());
        assertThat(e.field()).isEqualTo("registerAddr");
        assertThat(e.violations()).extracting(InvalidConfigException.Violation::item)
                .containsExactly(ConfigItem.REGISTER_ADDR);
    }

    @Test
    void aThirdServerWithoutABackupIsRefusedNamingBackupAddr() {
        InvalidConfigException e = refused(() -> LineConfig.builder().registerAddr("10.0.0.1").user("1001")
                .addServer("10.0.0.3", 5060, 3600, Transport.UDP).build());
        assertThat(e.field()).isEqualTo("backupAddr");
    }

    // ---- several bad items ---------------------------------------------------------------------------

    @Test
    void severalBadItemsAreAllNamedInViolationsAndTheFirstIsTheField() {
        InvalidConfigException e = refused(() -> LineConfig.builder().registerAddr("300.1.1.1").registerPort(0)
                .backupAddr("10.0.0.2").backupPort(70000).failbackInterval(-1).signalRetryCounts(11)
                .signalRetryDuration(0).keepAliveInterval(-1).registerRetryInterval(-1).build());

        assertThat(e.violations()).extracting(InvalidConfigException.Violation::item).containsExactly(
                ConfigItem.REGISTER_ADDR, ConfigItem.REGISTER_PORT, ConfigItem.BACKUP_PORT,
                ConfigItem.FAILBACK_INTERVAL, ConfigItem.SIGNAL_RETRY_COUNTS, ConfigItem.SIGNAL_RETRY_DURATION,
                ConfigItem.USER, ConfigItem.KEEP_ALIVE_INTERVAL, ConfigItem.REGISTER_RETRY_INTERVAL);
        assertThat(e.field()).isEqualTo("registerAddr");
        assertThat(e.getMessage()).contains("registerAddr", "registerPort", "backupPort", "failbackInterval",
                "signalRetryCounts", "signalRetryDuration", "user", "keepAliveInterval", "registerRetryInterval");
        assertThat(e.violations()).allSatisfy(v -> assertThat(v.message()).isNotBlank());
    }

    @Test
    void aRefusalIsAnInvalidInputExceptionSoTheApisNameTheField() {
        InvalidConfigException e = refused(() -> valid().registerPort(0).build());
        assertThat(e).isInstanceOf(io.sipfleet.device.InvalidInputException.class)
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- transport codes -------------------------------------------------------------------------------

    @Test
    void transportCodesAndNamesParse() {
        assertThat(Transport.parse("0")).isEqualTo(Transport.UDP);
        assertThat(Transport.parse("1")).isEqualTo(Transport.TCP);
        assertThat(Transport.parse("3")).isEqualTo(Transport.TLS);
        assertThat(Transport.parse("UDP")).isEqualTo(Transport.UDP);
        assertThat(Transport.parse("tcp")).isEqualTo(Transport.TCP);
        assertThat(Transport.parse(" Tls ")).isEqualTo(Transport.TLS);
        assertThat(Transport.fromCode(3)).isEqualTo(Transport.TLS);
        assertThat(Transport.UDP.code()).isZero();
        assertThat(Transport.TCP.code()).isEqualTo(1);
        assertThat(Transport.TLS.code()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2", "SCTP", "4", "-1", "", " "})
    void anUnknownTransportIsRefused(String text) {
        assertThatThrownBy(() -> Transport.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("transport");
    }

    @Test
    void anUnknownTransportCodeIsRefused() {
        assertThatThrownBy(() -> Transport.fromCode(2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2");
    }

    // ---- enabled, disabled, server lists ---------------------------------------------------------------

    @Test
    void anEmptyRegisterAddrIsADisabledLine() {
        LineConfig c = LineConfig.builder().build();
        assertThat(c.enabled()).isFalse();
        assertThat(c.servers()).isEmpty();
        assertThat(c).isEqualTo(LineConfig.disabled());
        assertThat(LineConfig.builder().registerAddr("   ").build().enabled()).isFalse();
        assertThat(LineConfig.disabled().enabled()).isFalse();
    }

    @Test
    void threeServersViaAddServerHaveTheRolesPrimaryBackupServer3() {
        LineConfig c = valid().addServer("10.0.0.3", 5070, 600, Transport.TCP).build();
        assertThat(c.servers()).extracting(ServerConfig::role).containsExactly("primary", "backup", "server3");
        assertThat(c.servers()).extracting(ServerConfig::index).containsExactly(0, 1, 2);
        ServerConfig third = c.server(2);
        assertThat(third.address()).isEqualTo("10.0.0.3");
        assertThat(third.port()).isEqualTo(5070);
        assertThat(third.ttl()).isEqualTo(600);
        assertThat(third.transport()).isEqualTo(Transport.TCP);
        assertThat(third.label()).isEqualTo("10.0.0.3:5070/TCP");
    }

    @Test
    void aBadThirdServerIsRefusedNamingExtraServers() {
        InvalidConfigException e = refused(() -> valid().addServer("bad host!", 0, 3600, Transport.UDP).build());
        assertThat(e.field()).isEqualTo("extraServers");
        assertThat(e.violations()).extracting(InvalidConfigException.Violation::item)
                .containsOnly(ConfigItem.EXTRA_SERVERS).hasSize(2);
    }

    @Test
    void toBuilderRoundTrips() {
        LineConfig c = valid().registerPort(5070).signalRetryCounts(5).build();
        assertThat(c.toBuilder().build()).isEqualTo(c);
        assertThat(c.toBuilder().build().password()).isEqualTo("pw1001");
    }

    // ---- the password ----------------------------------------------------------------------------------

    @Test
    void thePasswordNeverAppearsInToStringNorInMasked() {
        LineConfig c = valid().password("s3cret-Pa55").build();
        assertThat(c.password()).isEqualTo("s3cret-Pa55");
        assertThat(c.toString()).doesNotContain("s3cret-Pa55").contains(LineConfig.MASK);
        LineConfig.Builder masked = c.masked();
        assertThat(masked.password()).isEqualTo("****");
        assertThat(masked.toString()).doesNotContain("s3cret-Pa55");
        assertThat(masked.user()).isEqualTo("1001");
        // a builder holding the real password does not print it either
        assertThat(c.toBuilder().toString()).doesNotContain("s3cret-Pa55");
        // nor does a refusal
        InvalidConfigException e = refused(() -> c.toBuilder().registerPort(0).build());
        assertThat(e.getMessage()).doesNotContain("s3cret-Pa55");
    }

    @Test
    void anEmptyPasswordStaysEmptyWhenMasked() {
        LineConfig c = LineConfig.builder().registerAddr("10.0.0.1").user("1001").build();
        assertThat(c.masked().password()).isEmpty();
    }

    // ---- a phone keeps its configuration when a new one is refused ----------------------------------------

    @Test
    void aPhoneKeepsItsOldConfigurationAndStaysRegisteredWhenANewOneIsRefused() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        LineConfig before = p.lineConfig(1);
        assertThat(p.lineState(1)).isEqualTo(LineState.REGISTERED);
        int registersBefore = sim.sendTimes(PRIMARY, REGISTER).size();

        InvalidConfigException e = refused(() -> p.configureLine(1, before.toBuilder().registerPort(0).backupAddr(
                "-x.com").build()));
        assertThat(e.violations()).extracting(InvalidConfigException.Violation::item)
                .containsExactly(ConfigItem.REGISTER_PORT, ConfigItem.BACKUP_ADDR);

        sim.advanceTo(10_000);
        assertThat(p.lineConfig(1)).isSameAs(before);
        assertThat(p.lineState(1)).isEqualTo(LineState.REGISTERED);
        assertThat(p.activeServer(1)).isEqualTo("primary");
        assertThat(sim.sendTimes(PRIMARY, REGISTER)).hasSize(registersBefore);
        assertThat(sim.events(p, PhoneEvent.Registering.class)).hasSize(1);
    }
}

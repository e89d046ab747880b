package io.sipfleet.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sipfleet.simulator.kamailio.KamailioPair;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * {@link ColdStartTest} against a real Kamailio primary/backup pair: the packaged service (built-in servers off,
 * T1 = 50 ms) is started fresh, the Kamailio primary is made silent, and its very first register failover must
 * reach the backup 15*T1 = 750 ms after the first REGISTER to the primary, within 5 ms, on the packets.
 */
class ColdStartKamailioIT {

    @Test
    void firstFailoverAfterStartIsOnTimeAgainstKamailio() {
        assumeTrue(KamailioPair.available(), KamailioPair.unavailableReason());
        assumeTrue(ServiceProcess.jarAvailable(), ServiceProcess.jarUnavailableReason());
        assumeTrue(PacketCapture.available(), "tshark is not installed (apt-get install tshark)");
        try (KamailioPair pair = KamailioPair.builder().tls(false).start();
             ServiceProcess svc = ServiceProcess.builder("cold-start-kamailio").builtinServers(false)
                     .property("sipfleet.sip.t1", ColdStart.T1_MS + "ms").start()) {
            KamailioPair.Server primary = pair.primary();
            KamailioPair.Server backup = pair.backup();
            primary.mode("silent");

            ColdStart.Result r = ColdStart.firstFailover(svc, primary.host(), primary.port(), backup.host(),
                    backup.port());

            System.out.println(r.describe("Kamailio " + primary.hostPort() + " / " + backup.hostPort()));
            assertThat(r.toPrimary()).as("REGISTERs to the silent primary (V3, R = 3)").hasSize(4);
            assertThat(r.gapMs()).as("first REGISTER to the backup after the first to the primary, ms (15*T1)")
                    .isCloseTo(ColdStart.EXPECTED_MS, Offset.offset(ColdStart.TOLERANCE_MS));
        }
    }
}

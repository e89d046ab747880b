package io.sipfleet.faults;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServerDirectoryHostPortTest {

    @ParameterizedTest
    @CsvSource({
            "sip.example.com:5060, sip.example.com:5060",
            "SIP.Example.COM:5061, sip.example.com:5061",
            "localhost:1, localhost:1",
            "10.0.0.1:65535, 10.0.0.1:65535",
            "' 10.0.0.1:5060 ', 10.0.0.1:5060",
            "pbx-1:05060, pbx-1:5060",
            "[::1]:5060, [::1]:5060",
            "[2001:DB8:0:0:0:0:0:1]:5060, [2001:db8::1]:5060",
            "[2001:db8::0:1]:5060, [2001:db8::1]:5060",
            "[fe80::1:2:3:4]:5070, [fe80::1:2:3:4]:5070",
            "[::ffff:192.0.2.1]:5060, [::ffff:c000:201]:5060",
            "[2001:db8:0:1:0:0:0:1]:5060, [2001:db8:0:1::1]:5060",
            "[1:0:1:0:1:0:1:0]:5060, [1:0:1:0:1:0:1:0]:5060",
    })
    void acceptsHostPortAndNormalisesIt(String target, String expected) {
        assertThat(ServerDirectory.HOST_PORT.resolve(target)).contains(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "primary", "host", "host:", ":5060", "host:0", "host:65536", "host:-1", "host:+5",
            "host:70000", "host:5060x", "host:123456", "::1:5060", "[::1]", "[::1]5060", "[::1:5060", "[1::2::3]:5060",
            "[12345::1]:5060", "[fe80::1%eth0]:5060", "[1:2:3:4:5:6:7:8:9]:5060", "[1:2:3:4:5:6:7]:5060",
            "[g::1]:5060", "-host:5060", "host-:5060", "ho_st:5060", "a..b:5060", "host.:5060", "999.1.1.1:5060",
            "10.0.0:5060", "010.0.0.1:5060", "sip:host:5060", "host:5060;transport=tcp", "ho st:5060"})
    void refusesAnythingElse(String target) {
        assertThat(ServerDirectory.HOST_PORT.resolve(target)).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void refusesNull() {
        assertThat(ServerDirectory.HOST_PORT.resolve(null)).isEmpty();
    }
}

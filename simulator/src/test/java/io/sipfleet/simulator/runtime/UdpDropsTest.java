package io.sipfleet.simulator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading the kernel's drop count of the phones' UDP port from /proc/net/udp lines. */
class UdpDropsTest {
    private static final String LINE_5070 = "  123: 0100007F:13CE 00000000:0000 07 00000000:00001200 00:00000000 "
            + "00000000     0        0 4242 2 0000000000000000 37";
    private static final String LINE_5060 = "  124: 0200007F:13C4 00000000:0000 07 00000000:00000000 00:00000000 "
            + "00000000     0        0 4243 2 0000000000000000 5";

    @Test
    void itCountsTheDropsOfItsOwnPortOnly() {
        UdpDrops d = new UdpDrops(5070);
        assertThat(d.dropsOf(LINE_5070)).isEqualTo(37);
        assertThat(d.dropsOf(LINE_5060)).isZero();
        assertThat(d.dropsOf("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops")).isZero();
    }

    @Test
    void onThisMachineItReadsTheKernelsTables() {
        assertThat(new UdpDrops(1).total()).isGreaterThanOrEqualTo(0);
    }
}

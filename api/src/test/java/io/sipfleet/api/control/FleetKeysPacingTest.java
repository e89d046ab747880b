package io.sipfleet.api.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipfleet.device.Key;
import org.junit.jupiter.api.Test;

/** A fleet-wide keys command is paced at the SIP transactions its keys may start on each phone at once. */
class FleetKeysPacingTest {
    @Test
    void keysThatPlaceACallCostTwoTransactionsEndingOneCostsOneDigitsAloneNone() {
        assertThat(PhoneControl.sipTransactions(Key.parseDialString("1001", "keys"))).isZero();
        assertThat(PhoneControl.sipTransactions(Key.parseDialString("1001#", "keys"))).isEqualTo(2);
        assertThat(PhoneControl.sipTransactions(Key.parseAll(java.util.List.of("1", "SEND"), "keys"))).isEqualTo(2);
        assertThat(PhoneControl.sipTransactions(Key.parseAll(java.util.List.of("REDIAL"), "keys"))).isEqualTo(2);
        assertThat(PhoneControl.sipTransactions(Key.parseAll(java.util.List.of("CANCEL"), "keys"))).isEqualTo(1);
        assertThat(PhoneControl.sipTransactions(Key.parseAll(java.util.List.of("SPEAKER", "LINE1"), "keys"))).isZero();
    }
}

package io.sipfleet.simulator.sip;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The socket's instant a datagram left, handed to the send on the same thread (a traced phone's sent-late). */
class WireInstantTest {

    @Test
    void theSocketsInstantCountsWhenItWasMarkedDuringTheSend() {
        long start = 1_000_000;
        WireInstant.mark(start + 200);
        // the caller reads the clock later (after the trace parsed the message): the socket's instant wins
        assertThat(WireInstant.since(start, start + 5_000_000)).isEqualTo(start + 200);
        // read once: the next send without a mark (tracing off) takes the caller's own instant
        assertThat(WireInstant.since(start, start + 7)).isEqualTo(start + 7);
    }

    @Test
    void aMarkFromAnEarlierSendIsNotTaken() {
        WireInstant.mark(500);
        assertThat(WireInstant.since(1_000, 2_000)).isEqualTo(2_000);
    }

    @Test
    void anotherThreadsMarkIsNotTaken() throws Exception {
        Thread other = new Thread(() -> WireInstant.mark(1_500));
        other.start();
        other.join();
        assertThat(WireInstant.since(1_000, 3_000)).isEqualTo(3_000);
    }
}

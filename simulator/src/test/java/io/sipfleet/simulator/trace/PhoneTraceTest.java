package io.sipfleet.simulator.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The per-phone ring (issue 10): bounded, oldest first, in the order of the wire even when a response is recorded
 * before the request it answers, and retransmissions marked.
 */
class PhoneTraceTest {

    private static TracedMessage request(long at, String branch) {
        return new TracedMessage(at, true, "127.0.0.1:5070", "127.0.0.2:5060", "UDP", "REGISTER", 0, null,
                "1 REGISTER", "call-1", branch, false, "REGISTER sip:example SIP/2.0");
    }

    private static TracedMessage response(long at, String branch) {
        return new TracedMessage(at, false, "127.0.0.1:5070", "127.0.0.2:5060", "UDP", null, 200, "OK",
                "1 REGISTER", "call-1", branch, false, "SIP/2.0 200 OK");
    }

    private static List<Long> instants(PhoneTrace trace) {
        return trace.messages().stream().map(TracedMessage::atMicros).toList();
    }

    @Test
    void keepsTheLastMessagesOldestFirst() {
        PhoneTrace trace = new PhoneTrace(3);
        for (long at = 1; at <= 5; at++) {
            trace.add(request(at, "b" + at));
        }
        assertThat(instants(trace)).containsExactly(3L, 4L, 5L);
    }

    @Test
    void aResponseRecordedBeforeItsRequestGoesAfterIt() {
        PhoneTrace trace = new PhoneTrace(10);
        trace.add(request(100, "b1"));
        // the answer came off the socket (at 250) before the sending thread recorded its request (sent at 200)
        trace.add(response(250, "b2"));
        trace.add(request(200, "b2"));
        assertThat(trace.messages()).extracting(TracedMessage::atMicros, TracedMessage::label)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(100L, "REGISTER"),
                        org.assertj.core.groups.Tuple.tuple(200L, "REGISTER"),
                        org.assertj.core.groups.Tuple.tuple(250L, "200 OK"));
    }

    @Test
    void outOfOrderInsertionIntoAFullRingDropsTheOldestAndKeepsTheOrder() {
        PhoneTrace trace = new PhoneTrace(4);
        trace.add(request(10, "a"));
        trace.add(request(20, "b"));
        trace.add(request(30, "c"));
        trace.add(response(50, "d"));
        // full; the late-recorded request of "d" (sent at 40) goes before its answer, and 10 (the oldest) goes
        trace.add(request(40, "d"));
        assertThat(instants(trace)).containsExactly(20L, 30L, 40L, 50L);
        // and the ring goes on from there
        trace.add(request(60, "e"));
        assertThat(instants(trace)).containsExactly(30L, 40L, 50L, 60L);
    }

    @Test
    void theSameMessageAgainIsMarkedAsARetransmission() {
        PhoneTrace trace = new PhoneTrace(10);
        trace.add(request(100, "b1"));
        trace.add(request(600, "b1"));
        trace.add(request(700, "b2"));
        assertThat(trace.messages()).extracting(TracedMessage::retransmission).containsExactly(false, true, false);
    }
}

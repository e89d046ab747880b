package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.stack.MessageChannel;
import io.sipfleet.simulator.trace.SipTracer;
import io.sipfleet.simulator.trace.TracedMessage;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where the phones' SIP stack hands its messages to the {@link SipTracer}: what it sends through its
 * message log ({@link JainSipMessageLogger}, which the stack calls only while some phone is traced:
 * {@link JainSipStackLogger}), what it receives through {@link TraceValve} (after the fault layer: what
 * the phones' stack really took in). Found by the stack's name, as the stack makes both by class name.
 */
final class TraceTap {
    private static final Map<String, TraceTap> BY_STACK = new ConcurrentHashMap<>();

    private final SipTracer tracer;
    /** The phone sending from this thread (the phone's send, or its answer to a server's request). */
    private final Supplier<String> sender;
    /** The phone a request from a server is for (by its Request-URI user), as the stack routes it. */
    private final Function<SIPRequest, String> target;

    private TraceTap(SipTracer tracer, Supplier<String> sender, Function<SIPRequest, String> target) {
        this.tracer = tracer;
        this.sender = sender;
        this.target = target;
    }

    static void register(String stackName, SipTracer tracer, Supplier<String> sender,
                         Function<SIPRequest, String> target) {
        BY_STACK.put(stackName, new TraceTap(tracer, sender, target));
    }

    static void unregister(String stackName) {
        BY_STACK.remove(stackName);
    }

    static TraceTap of(String stackName) {
        return stackName == null ? null : BY_STACK.get(stackName);
    }

    boolean on() {
        return tracer.on();
    }

    /** The stack sent {@code m} from {@code local} to {@code peer} (both {@code ip:port}). */
    void sent(SIPMessage m, String local, String peer) {
        if (!tracer.on()) {
            return;
        }
        String branch = branch(m);
        String phone = sender.get();
        if (phone == null) {
            phone = tracer.phoneOfBranch(branch);
        }
        if (!tracer.wants(phone)) {
            return;
        }
        var via = m.getTopmostVia();
        String transport = via == null || via.getTransport() == null ? "UDP" : via.getTransport().toUpperCase(Locale.ROOT);
        tracer.record(phone, message(m, nowMicros(), true, local, peer, transport, branch));
    }

    /** The stack received {@code m} on {@code channel} (parsed, past the fault layer). */
    void received(SIPMessage m, MessageChannel channel) {
        if (!tracer.on()) {
            return;
        }
        String branch = branch(m);
        String phone = m instanceof SIPRequest q ? target.apply(q) : tracer.phoneOfBranch(branch);
        if (!tracer.wants(phone)) {
            return;
        }
        long waitedMicros = (System.nanoTime() - ReceptionQueue.currentReceivedNanos()) / 1_000;
        String peer = hostPort(channel.getPeerAddress(), channel.getPeerPort());
        String local = hostPort(channel.getHost(), channel.getPort());
        tracer.record(phone, message(m, nowMicros() - Math.max(0, waitedMicros), false, local, peer,
                channel.getTransport().toUpperCase(Locale.ROOT), branch));
    }

    private static TracedMessage message(SIPMessage m, long atMicros, boolean sent, String local, String peer,
                                         String transport, String branch) {
        String method = m instanceof SIPRequest q ? q.getMethod() : null;
        int status = m instanceof SIPResponse r ? r.getStatusCode() : 0;
        String reason = m instanceof SIPResponse r ? r.getReasonPhrase() : null;
        String cseq = m.getCSeq() == null ? null : m.getCSeq().getSeqNumber() + " " + m.getCSeq().getMethod();
        String callId = m.getCallId() == null ? null : m.getCallId().getCallId();
        return new TracedMessage(atMicros, sent, local, peer, transport, method, status, reason, cseq, callId, branch,
                false, m.encode());
    }

    private static String branch(SIPMessage m) {
        var via = m.getTopmostVia();
        return via == null ? null : via.getBranch();
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    static long nowMicros() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
    }
}

package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.parser.StringMsgParser;
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
 * Where the phones' SIP stack hands its messages to the {@link SipTracer}: what it sends through our own
 * sockets ({@link FaultingDatagramSocket}, {@link FaultingOutputStream}: the bytes as they leave, before any
 * fault), what it receives through {@link TraceValve} (after the fault layer: what the phones' stack really
 * took in). Found by the stack's name, as the stack makes the valve by class name. The stack's message log is
 * never turned on for it (its cost fell on every phone's sends).
 */
final class TraceTap {
    private static final Map<String, TraceTap> BY_STACK = new ConcurrentHashMap<>();

    private final SipTracer tracer;
    /** The phone sending from this thread (the phone's send, or its answer to a server's request). */
    private final Supplier<String> sender;
    /** The phone a request from a server is for (by its Request-URI user), as the stack routes it. */
    private final Function<SIPRequest, String> target;

    /** The phone whose client transaction a response matches, or null. */
    private final Function<SIPResponse, String> owner;

    private TraceTap(SipTracer tracer, Supplier<String> sender, Function<SIPRequest, String> target,
                     Function<SIPResponse, String> owner) {
        this.tracer = tracer;
        this.sender = sender;
        this.target = target;
        this.owner = owner;
    }

    static void register(String stackName, SipTracer tracer, Supplier<String> sender,
                         Function<SIPRequest, String> target, Function<SIPResponse, String> owner) {
        BY_STACK.put(stackName, new TraceTap(tracer, sender, target, owner));
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

    /**
     * The phones' stack put a message on the wire at {@code atMicros} from {@code local} to {@code peer} (both
     * {@code ip:port}): called by our own sockets once the bytes have left, so that tracing never delays a send and
     * never needs the stack's message log. Parsed (by JAIN-SIP's parser) only for a phone that is traced;
     * keep-alive blank lines are not messages.
     */
    void sent(byte[] data, int off, int len, long atMicros, String local, String peer, String transport) {
        if (!tracer.on() || blank(data, off, len)) {
            return;
        }
        String phone = sender.get();
        if (phone != null && !tracer.wants(phone)) {
            return;
        }
        SIPMessage m;
        try {
            m = new StringMsgParser().parseSIPMessage(java.util.Arrays.copyOfRange(data, off, off + len), true, false,
                    null);
        } catch (java.text.ParseException | RuntimeException e) {
            return; // not a message the stack would send; nothing to trace
        }
        if (m == null) {
            return;
        }
        String branch = branch(m);
        if (phone == null) {
            phone = tracer.phoneOfBranch(branch); // a retransmission, sent by the stack's timer
        }
        if (!tracer.wants(phone)) {
            return;
        }
        tracer.record(phone, message(m, atMicros, true, local, peer, transport, branch));
    }

    private static boolean blank(byte[] data, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (data[i] != '\r' && data[i] != '\n' && data[i] != ' ') {
                return false;
            }
        }
        return true;
    }

    /** The stack received {@code m} on {@code channel} (parsed, past the fault layer). */
    void received(SIPMessage m, MessageChannel channel) {
        if (!tracer.on()) {
            return;
        }
        String branch = branch(m);
        String phone = m instanceof SIPRequest q ? target.apply(q) : tracer.phoneOfBranch(branch);
        if (phone == null && m instanceof SIPResponse r) {
            phone = owner.apply(r); // its request is recorded once it left, which may be after this answer came
        }
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

    static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    static long nowMicros() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
    }
}

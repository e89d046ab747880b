package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPMessageValve;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import javax.sip.SipStack;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * Drops a response to a non-INVITE request whose client transaction is gone (a second answer to a
 * retransmitted request, an answer after the phone gave the server up) before the stack looks for its
 * transaction. JAIN-SIP 1.3.0-91 looks a response up by its branch, and when it finds nothing it walks
 * every client transaction of the stack, one by one: with 100,000 phones' keep-alives in flight, a
 * burst of late answers (exactly when the simulator is behind) turns into a CPU spiral. An RFC 3261
 * branch (magic cookie) identifies the transaction by itself, so nothing is lost. Answers to INVITE pass:
 * a retransmitted 2xx must still be acknowledged through its dialog. Loaded by name (stack property
 * {@code gov.nist.javax.sip.SIP_MESSAGE_VALVE}): public, no-argument constructor.
 */
public final class StrayResponseValve implements SIPMessageValve {
    private static final Map<String, LongAdder> BY_STACK = new ConcurrentHashMap<>();
    private SIPTransactionStack stack;
    private LongAdder dropped;

    /** Stray responses dropped by the stack named {@code stackName}. */
    public static long dropped(String stackName) {
        LongAdder a = BY_STACK.get(stackName);
        return a == null ? 0 : a.sum();
    }

    @Override
    public void init(SipStack stack) {
        this.stack = (SIPTransactionStack) stack;
        this.dropped = BY_STACK.computeIfAbsent(stack.getStackName(), k -> new LongAdder());
    }

    @Override
    public void destroy() {
        if (stack != null) {
            BY_STACK.remove(((SipStack) stack).getStackName());
        }
    }

    @Override
    public boolean processRequest(SIPRequest request, MessageChannel channel) {
        return true;
    }

    @Override
    public boolean processResponse(Response response, MessageChannel channel) {
        if (!(response instanceof SIPResponse r) || r.getCSeq() == null
                || Request.INVITE.equals(r.getCSeq().getMethod())) {
            return true;
        }
        String key = r.getTransactionId();
        if (key == null || !key.startsWith(gov.nist.javax.sip.SIPConstants.BRANCH_MAGIC_COOKIE_LOWER_CASE)) {
            return true; // an old-style branch: the stack's own search is the only way to match it
        }
        if (stack.findTransaction(key, false) != null) {
            return true;
        }
        dropped.increment();
        return false;
    }
}

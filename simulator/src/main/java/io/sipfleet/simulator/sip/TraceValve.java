package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPMessageValve;
import javax.sip.SipStack;
import javax.sip.message.Response;

/**
 * Hands every message the phones' stack receives (after the other valves: faults applied, strays dropped)
 * to its {@link TraceTap}. Passes everything; while no phone is traced it costs one volatile read. Loaded by
 * name (stack property {@code gov.nist.javax.sip.SIP_MESSAGE_VALVE}): public, no-argument constructor.
 */
public final class TraceValve implements SIPMessageValve {
    private volatile String stackName;

    @Override
    public void init(SipStack stack) {
        this.stackName = stack.getStackName();
    }

    @Override
    public void destroy() {
    }

    @Override
    public boolean processRequest(SIPRequest request, MessageChannel channel) {
        tap(request, channel);
        return true;
    }

    @Override
    public boolean processResponse(Response response, MessageChannel channel) {
        if (response instanceof SIPResponse r) {
            tap(r, channel);
        }
        return true;
    }

    private void tap(gov.nist.javax.sip.message.SIPMessage m, MessageChannel channel) {
        TraceTap t = TraceTap.of(stackName);
        if (t != null && t.on()) {
            try {
                t.received(m, channel);
            } catch (RuntimeException e) {
                // a trace never costs a message its delivery
                System.getLogger(TraceValve.class.getName()).log(System.Logger.Level.DEBUG, "trace: " + e);
            }
        }
    }
}

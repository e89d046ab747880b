package io.sipfleet.simulator.builtin;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPMessageValve;
import javax.sip.SipStack;
import javax.sip.message.Response;

/**
 * Sits in front of a built-in server's transaction layer (JAIN-SIP {@code SIP_MESSAGE_VALVE}): counts
 * every request, and in the 503/500/silent modes answers or drops it before the stack creates a
 * transaction, so a silent server sends nothing at all (not even the stack's automatic 100 Trying)
 * and an erroring one answers at once. Loaded by name: public, no-argument constructor.
 */
public final class AvailabilityValve implements SIPMessageValve {
    private volatile BuiltinServer server;

    @Override
    public void init(SipStack stack) {
        server = Hooks.server(stack.getStackName());
    }

    @Override
    public void destroy() {
        server = null;
    }

    @Override
    public boolean processRequest(SIPRequest request, MessageChannel channel) {
        BuiltinServer s = server(channel);
        return s == null || s.admit(request, channel);
    }

    @Override
    public boolean processResponse(Response response, MessageChannel channel) {
        BuiltinServer s = server(channel);
        return s == null || s.admitResponse(response);
    }

    private BuiltinServer server(MessageChannel channel) {
        BuiltinServer s = server;
        if (s == null && channel != null && channel.getSIPStack() instanceof SipStack st) {
            s = Hooks.server(st.getStackName());
            server = s;
        }
        return s;
    }
}

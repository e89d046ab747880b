package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.stack.ConnectionOrientedMessageChannel;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPMessageValve;
import io.sipfleet.faults.Protocol;
import io.sipfleet.faults.Verdict;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;
import javax.sip.SipStack;
import javax.sip.message.Response;

/**
 * {@link PacketFaults} for messages from servers over TCP and TLS, after the stack has parsed them
 * (JAIN-SIP {@code SIP_MESSAGE_VALVE}): drop; delay and duplicate, by handing the message to its
 * connection again later; reset and unreachable close the connection. UDP is faulted below, per
 * datagram, in {@link FaultingDatagramSocket}. Loaded by name: public, no-argument constructor.
 */
public final class FaultValve implements SIPMessageValve {
    private static final System.Logger LOG = System.getLogger(FaultValve.class.getName());

    private PacketFaults faults;
    /** Messages handed back to the stack after a delay: they pass this time. */
    private final Set<SIPMessage> released = Collections.synchronizedSet(
            Collections.newSetFromMap(new IdentityHashMap<>()));

    @Override
    public void init(SipStack stack) {
        faults = PacketFaults.of(stack.getStackName());
    }

    @Override
    public void destroy() {
        released.clear();
    }

    @Override
    public boolean processRequest(SIPRequest request, MessageChannel channel) {
        return admit(request, channel);
    }

    @Override
    public boolean processResponse(Response response, MessageChannel channel) {
        return !(response instanceof SIPResponse r) || admit(r, channel);
    }

    private boolean admit(SIPMessage m, MessageChannel channel) {
        PacketFaults f = faults;
        if (f == null || released.remove(m) || !f.active()
                || !(channel instanceof ConnectionOrientedMessageChannel co)) {
            return true;
        }
        Protocol protocol = "TLS".equals(channel.getTransport().toUpperCase(Locale.ROOT)) ? Protocol.TLS : Protocol.TCP;
        InetSocketAddress server;
        try {
            server = new InetSocketAddress(java.net.InetAddress.getByName(channel.getPeerAddress()),
                    channel.getPeerPort()); // an address literal: no lookup
        } catch (java.net.UnknownHostException e) {
            return true;
        }
        Verdict v = f.decideParsed(protocol, server, m);
        if (v == null) {
            return true;
        }
        if (v instanceof Verdict.Drop) {
            return false;
        }
        if (v instanceof Verdict.Reset || v instanceof Verdict.Unreachable) {
            channel.close();
            return false;
        }
        if (v instanceof Verdict.Delay d) {
            later(co, m, d.millis());
            return false;
        }
        if (v instanceof Verdict.Duplicate dup) {
            for (int i = 1; i <= dup.copies(); i++) {
                later(co, (SIPMessage) m.clone(), dup.spacingMillis() * i);
            }
            return true;
        }
        return true;
    }

    private void later(ConnectionOrientedMessageChannel channel, SIPMessage m, long delayMs) {
        released.add(m);
        faults.schedule(() -> {
            try {
                channel.processMessage(m);
            } catch (Exception e) {
                released.remove(m);
                LOG.log(System.Logger.Level.DEBUG, "delayed message from " + channel.getPeerAddress() + ": " + e);
            }
        }, delayMs);
    }
}

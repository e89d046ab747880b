package io.sipfleet.simulator.sip;

import java.util.Properties;
import javax.sip.PeerUnavailableException;
import javax.sip.SipFactory;
import javax.sip.SipStack;

/**
 * Creates JAIN-SIP stacks with the settings measured in shared/notes/stack.md: our own loggers (the
 * default needs log4j and fails with a misleading "Path Name" error), a bounded thread pool and a
 * large UDP receive buffer (the default starts a thread per packet and loses packets under load),
 * the classic (blocking) TCP transport, because 1.3.0-91's NIO one loses requests sent on new outgoing
 * connections (RestComm/jain-sip#188), with CONNECTION_TIMEOUT set: a connect into a black hole blocks
 * its caller, so callers send from threads of their own (see JainSipSignalling's per-server queues),
 * and TCP_NODELAY on every socket ({@link NoDelayNetworkLayer}). A stack costs threads and hundreds of
 * milliseconds: one serves a whole fleet.
 */
public final class SipStacks {
    private SipStacks() {}

    /**
     * @param name              the stack name (threads and logs)
     * @param threads           the stack's message thread pool
     * @param connectTimeoutMs  bound on a TCP/TLS connect
     * @param extra             more properties, applied last
     */
    public static SipStack create(String name, int threads, long connectTimeoutMs, Properties extra)
            throws PeerUnavailableException {
        Properties p = new Properties();
        p.setProperty("javax.sip.STACK_NAME", name);
        p.setProperty("gov.nist.javax.sip.STACK_LOGGER", JainSipStackLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", JainSipMessageLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "0");
        p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", Integer.toString(threads));
        p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
        p.setProperty("gov.nist.javax.sip.RECEIVE_UDP_BUFFER_SIZE", "4194304");
        p.setProperty("gov.nist.javax.sip.SEND_UDP_BUFFER_SIZE", "4194304");
        p.setProperty("gov.nist.javax.sip.CONNECTION_TIMEOUT", Long.toString(connectTimeoutMs));
        p.setProperty("gov.nist.javax.sip.NETWORK_LAYER", NoDelayNetworkLayer.class.getName());
        p.setProperty("gov.nist.javax.sip.CACHE_CLIENT_CONNECTIONS", "true");
        p.setProperty("gov.nist.javax.sip.LOG_MESSAGE_CONTENT", "false");
        p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off");
        p.setProperty("gov.nist.javax.sip.MAX_FORK_TIME_SECONDS", "0");
        if (extra != null) {
            p.putAll(extra);
        }
        SipFactory f = SipFactory.getInstance();
        f.setPathName("gov.nist");
        return f.createSipStack(p);
    }
}

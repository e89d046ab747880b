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
 * and TCP_NODELAY on every TCP and TLS socket ({@link NoDelayNetworkLayer}). When given
 * {@link TlsMaterial}, TLS: its key and trust stores as JAIN-SIP's {@code javax.net.ssl.*} stack
 * properties (whose passwords the stack's debug log of its properties shows as {@code ***}), no client
 * certificates ({@code gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE=Disabled}), modern protocols and cipher
 * suites, a bounded handshake, and {@link TlsMaterial.NoDelayTlsNetworkLayer} (TCP_NODELAY as well) as
 * the network layer. A stack costs threads and hundreds of milliseconds: one serves a whole fleet.
 */
public final class SipStacks {
    /** Largest SIP message read (UDP datagram or TCP/TLS message, headers and body): 16 KB. */
    public static final int MAX_MESSAGE_SIZE = 16 * 1024;

    private SipStacks() {}

    /**
     * @param name              the stack name (threads and logs)
     * @param threads           the stack's message thread pool
     * @param connectTimeoutMs  bound on a TCP/TLS connect
     * @param extra             more properties, applied last
     */
    public static SipStack create(String name, int threads, long connectTimeoutMs, Properties extra)
            throws PeerUnavailableException {
        return create(name, threads, connectTimeoutMs, null, extra);
    }

    /**
     * @param name              the stack name (threads and logs)
     * @param threads           the stack's message thread pool
     * @param connectTimeoutMs  bound on a TCP/TLS connect, and on a TLS handshake
     * @param tls               key and trust stores for TLS listening points and connections; null: no TLS
     * @param extra             more properties, applied last
     */
    public static SipStack create(String name, int threads, long connectTimeoutMs, TlsMaterial tls, Properties extra)
            throws PeerUnavailableException {
        Properties p = new MaskedProperties();
        p.setProperty("javax.sip.STACK_NAME", name);
        p.setProperty("gov.nist.javax.sip.STACK_LOGGER", JainSipStackLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", JainSipMessageLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "0");
        p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", Integer.toString(threads));
        p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
        p.setProperty("gov.nist.javax.sip.RECEIVE_UDP_BUFFER_SIZE", "4194304");
        p.setProperty("gov.nist.javax.sip.SEND_UDP_BUFFER_SIZE", "4194304");
        // SIP over UDP stays below the path MTU (RFC 3261 18.1.1) and our messages are a few hundred bytes:
        // the stack's default allocates 64 KB per received datagram (GC churn; heap exhaustion under a flood)
        p.setProperty("gov.nist.javax.sip.MAX_MESSAGE_SIZE", Integer.toString(MAX_MESSAGE_SIZE));
        p.setProperty("gov.nist.javax.sip.CONNECTION_TIMEOUT", Long.toString(connectTimeoutMs));
        p.setProperty("gov.nist.javax.sip.NETWORK_LAYER", NoDelayNetworkLayer.class.getName());
        p.setProperty("gov.nist.javax.sip.CACHE_CLIENT_CONNECTIONS", "true");
        p.setProperty("gov.nist.javax.sip.LOG_MESSAGE_CONTENT", "false");
        p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off");
        p.setProperty("gov.nist.javax.sip.MAX_FORK_TIME_SECONDS", "0");
        // the stack's own default (no checks), named so that the stack does not warn that it uses it
        p.setProperty("gov.nist.javax.sip.TLS_SECURITY_POLICY", "gov.nist.javax.sip.stack.DefaultTlsSecurityPolicy");
        if (tls != null) {
            p.putAll(tls.stackProperties(connectTimeoutMs));
            p.setProperty("gov.nist.javax.sip.NETWORK_LAYER", TlsMaterial.NoDelayTlsNetworkLayer.class.getName());
        }
        if (extra != null) {
            p.putAll(extra);
        }
        SipFactory f = SipFactory.getInstance();
        f.setPathName("gov.nist");
        return f.createSipStack(p);
    }

    /**
     * Stack properties that never print a password: JAIN-SIP logs all of them ("created Sip stack.
     * Properties = ...", at debug) through their {@code toString()}, the TLS store passwords included.
     */
    private static final class MaskedProperties extends Properties {
        private static final long serialVersionUID = 1L;

        @Override
        public synchronized String toString() {
            StringBuilder b = new StringBuilder("{");
            for (String k : new java.util.TreeSet<>(stringPropertyNames())) {
                if (b.length() > 1) {
                    b.append(", ");
                }
                b.append(k).append('=').append(k.toLowerCase(java.util.Locale.ROOT).contains("password") ? "***"
                        : getProperty(k));
            }
            return b.append('}').toString();
        }
    }
}

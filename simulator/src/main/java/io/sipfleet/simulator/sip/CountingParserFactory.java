package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.header.CSeq;
import gov.nist.javax.sip.header.CallID;
import gov.nist.javax.sip.header.ContentLength;
import gov.nist.javax.sip.header.From;
import gov.nist.javax.sip.header.RequestLine;
import gov.nist.javax.sip.header.StatusLine;
import gov.nist.javax.sip.header.To;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.parser.MessageParser;
import gov.nist.javax.sip.parser.MessageParserFactory;
import gov.nist.javax.sip.parser.ParseExceptionListener;
import gov.nist.javax.sip.parser.StringMsgParser;
import gov.nist.javax.sip.parser.StringMsgParserFactory;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import gov.nist.javax.sip.stack.UDPMessageChannel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.text.ParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sip.SipStack;

/**
 * The stack's own parser, counting what the stack drops as malformed (JAIN-SIP
 * {@code MESSAGE_PARSER_FACTORY}), with the transport and the peer it came from. A message is
 * malformed, counted once and rejected as a parse error when it:
 * <ul>
 *   <li>does not parse (JAIN-SIP's parser and the channel's rules: a bad From, To, Call-ID, CSeq, Via,
 *       Content-Length, request or status line rejects the message, another bad header is kept
 *       unparsed), or is not blank and holds no message (control characters only);</li>
 *   <li>parses without From, To, Call-ID, CSeq or Via (the stack drops these after parsing, and for UDP
 *       only after code that reads the CSeq), with a bad request or status line (the lenient parser
 *       reports it to the channel and goes on), or a status code outside 100..699;</li>
 *   <li>is a request whose CSeq method is not its method (the stack answers 400 and drops it on UDP,
 *       and answers 400 and closes the connection on TCP/TLS);</li>
 *   <li>has a control character other than HT, CR and LF in its start line or headers (a NUL, say:
 *       the lenient parser keeps it in the value);</li>
 *   <li>is a datagram that filled the whole receive buffer ({@link SipStacks#MAX_MESSAGE_SIZE}): the
 *       kernel cut it there.</li>
 * </ul>
 * What TCP and TLS connections drop before or after this parser (a header section or Content-Length
 * beyond the stack's limits makes it give the connection up) is counted by {@link StreamWatch}.
 *
 * <p>Whoever {@link #register registered} the stack's name (the phones' signalling, a built-in server)
 * gets the count. Loaded by JAIN-SIP by name (one per stack): public, no-argument constructor.
 */
public final class CountingParserFactory implements MessageParserFactory {
    private static final System.Logger LOG = System.getLogger(CountingParserFactory.class.getName());

    /** The stack property that installs it. */
    public static final String PROPERTY = "gov.nist.javax.sip.MESSAGE_PARSER_FACTORY";

    /** Told of each malformed message a stack dropped. */
    @FunctionalInterface
    public interface Sink {
        /**
         * @param transport {@code udp}, {@code tcp} or {@code tls}
         * @param address   the peer's {@code host:port} as the packets carry it
         */
        void malformed(String transport, String address);
    }

    private static final Map<String, Sink> BY_STACK = new ConcurrentHashMap<>();

    /** Counts the malformed messages of the stack named {@code stackName} with {@code sink}. */
    public static void register(String stackName, Sink sink) {
        BY_STACK.put(stackName, sink);
    }

    public static void unregister(String stackName) {
        BY_STACK.remove(stackName);
    }

    /** The sink of a stack, or null. */
    static Sink sinkOf(String stackName) {
        return stackName == null ? null : BY_STACK.get(stackName);
    }

    private final StringMsgParserFactory delegate = new StringMsgParserFactory();

    @Override
    public MessageParser createMessageParser(SIPTransactionStack stack) {
        MessageParser parser = delegate.createMessageParser(stack);
        String name = stack instanceof SipStack s ? s.getStackName() : null;
        int maxMessageSize = stack.getMaxMessageSize();
        return (bytes, readBody, strict, listener) -> {
            SIPMessage m;
            try {
                m = parser.parseSIPMessage(bytes, readBody, strict, listener);
            } catch (ParseException e) {
                count(name, listener);
                throw e;
            } catch (RuntimeException e) {
                // as a parse error: a TCP/TLS connection's parser stops reading the connection on anything else
                count(name, listener);
                ParseException p = new ParseException("unparsable message: " + e, 0);
                p.initCause(e);
                throw p;
            }
            if (m == null) {
                if (!blank(bytes)) {
                    count(name, listener); // control characters only: the parser skips them and answers null
                }
                return null;
            }
            String defect = defect(m, bytes, readBody ? maxMessageSize : 0);
            if (defect != null) {
                count(name, listener);
                throw new ParseException(defect, 0);
            }
            return m;
        };
    }

    /**
     * Whether a datagram from a peer is malformed by the rules of this class (for datagrams that do
     * not go through a stack: replies to the phones' ICMP probes). A blank one (a keep-alive) is not.
     */
    public static boolean malformedDatagram(byte[] bytes) {
        if (blank(bytes)) {
            return false;
        }
        try {
            SIPMessage m = new StringMsgParser().parseSIPMessage(bytes, true, false, AS_UDP_CHANNEL);
            return m == null || defect(m, bytes, SipStacks.MAX_MESSAGE_SIZE) != null;
        } catch (ParseException | RuntimeException e) {
            return true;
        }
    }

    /** What the stack's UDP channel does with a header that does not parse (UDPMessageChannel.handleException). */
    private static final ParseExceptionListener AS_UDP_CHANNEL = (ex, message, headerClass, header, raw) -> {
        if (headerClass != null && (headerClass.equals(From.class) || headerClass.equals(To.class)
                || headerClass.equals(CSeq.class) || headerClass.equals(Via.class) || headerClass.equals(CallID.class)
                || headerClass.equals(ContentLength.class) || headerClass.equals(RequestLine.class)
                || headerClass.equals(StatusLine.class))) {
            throw ex;
        }
        message.addUnparsed(header);
    };

    /**
     * Why a parsed message is malformed, or null.
     *
     * @param datagramLimit the receive buffer of a datagram (a datagram that fills it was cut); 0 for a
     *                      message from a stream
     */
    static String defect(SIPMessage m, byte[] bytes, int datagramLimit) {
        if (m.getFrom() == null || m.getTo() == null || m.getCallId() == null || m.getCSeq() == null
                || m.getViaHeaders() == null) {
            // the stack's own check comes after code that dereferences CSeq (UDP)
            return "missing From, To, Call-ID, CSeq or Via";
        }
        if (m instanceof SIPResponse r) {
            if (r.getStatusLine() == null || r.getStatusCode() < 100 || r.getStatusCode() > 699) {
                return "bad status line";
            }
        } else if (m instanceof SIPRequest q) {
            if (q.getRequestLine() == null || q.getMethod() == null) {
                return "bad request line";
            }
            if (!q.getMethod().equalsIgnoreCase(m.getCSeq().getMethod())) {
                return "CSeq method " + m.getCSeq().getMethod() + " is not the request's " + q.getMethod();
            }
        }
        if (controlCharacterInHead(bytes)) {
            return "control character in the start line or headers";
        }
        if (datagramLimit > 0 && bytes.length >= datagramLimit) {
            return "datagram of " + bytes.length + " bytes fills the receive buffer: cut by the kernel";
        }
        return null;
    }

    /** A byte below 0x20 other than HT, CR, LF (or DEL) before the empty line that ends the headers. */
    private static boolean controlCharacterInHead(byte[] bytes) {
        int i = 0;
        while (i < bytes.length && (bytes[i] == '\r' || bytes[i] == '\n')) {
            i++; // CRLFs before a message are keep-alives
        }
        int lineLength = 0;
        for (; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            if (c == '\n') {
                if (lineLength == 0) {
                    return false; // the empty line: the body follows
                }
                lineLength = 0;
            } else if (c != '\r') {
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    return true;
                }
                lineLength++;
            }
        }
        return false;
    }

    /** CR, LF, spaces and tabs only: a keep-alive, not a message. */
    private static boolean blank(byte[] bytes) {
        if (bytes == null) {
            return true;
        }
        for (byte b : bytes) {
            if (b != '\r' && b != '\n' && b != ' ' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    private static void count(String stackName, ParseExceptionListener listener) {
        Sink sink = sinkOf(stackName);
        if (sink == null) {
            return;
        }
        if (listener instanceof UDPMessageChannel u) {
            sink.malformed("udp", datagramSource(u));
        } else if (listener instanceof MessageChannel ch) {
            sink.malformed(ch.getTransport(), hostPort(ch.getPeerAddress(), ch.getPeerPort()));
        } else {
            sink.malformed("unknown", "unknown");
        }
    }

    // ---- where a datagram came from ------------------------------------------------------------

    /**
     * The UDP channel parses a datagram before it records the sender's port (its peer port is the
     * previous datagram's until then); the datagram it is parsing is its private {@code incomingPacket}.
     */
    private static final VarHandle INCOMING_PACKET = incomingPacketHandle();

    private static VarHandle incomingPacketHandle() {
        try {
            return MethodHandles.privateLookupIn(UDPMessageChannel.class, MethodHandles.lookup())
                    .findVarHandle(UDPMessageChannel.class, "incomingPacket", DatagramPacket.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "JAIN-SIP's UDP channel has no incomingPacket field: malformed "
                    + "datagrams are counted by sender address only (port ?): " + e);
            return null;
        }
    }

    /** {@code host:port} of the datagram {@code channel} is parsing. */
    static String datagramSource(UDPMessageChannel channel) {
        if (INCOMING_PACKET != null) {
            DatagramPacket p = (DatagramPacket) INCOMING_PACKET.get(channel);
            if (p != null && p.getSocketAddress() instanceof InetSocketAddress a) {
                return hostPort(a.getAddress(), a.getPort());
            }
        }
        return hostPort(channel.getPeerAddress(), -1);
    }

    static String hostPort(InetAddress address, int port) {
        return hostPort(address.getHostAddress(), port);
    }

    static String hostPort(String host, int port) {
        String h = host == null ? "unknown" : host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return h + ":" + (port < 0 ? "?" : Integer.toString(port));
    }
}

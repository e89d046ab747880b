package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.parser.MessageParser;
import gov.nist.javax.sip.parser.MessageParserFactory;
import gov.nist.javax.sip.parser.StringMsgParserFactory;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.text.ParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sip.SipStack;

/**
 * The stack's own parser, counting what it rejects (JAIN-SIP {@code MESSAGE_PARSER_FACTORY}): a
 * message that does not parse, parses without a valid request or status line (a status code outside
 * 100..699 included), or without From, To,
 * Call-ID, CSeq or Via (rejected here as a
 * parse error: the stack's own check comes too late for UDP), is dropped by the stack and counted as
 * malformed by whoever {@link #register registered} the stack's name (the phones' signalling, a
 * built-in server). Loaded by JAIN-SIP by name (one per stack): public, no-argument constructor.
 */
public final class CountingParserFactory implements MessageParserFactory {
    /** The stack property that installs it. */
    public static final String PROPERTY = "gov.nist.javax.sip.MESSAGE_PARSER_FACTORY";

    private static final Map<String, Runnable> BY_STACK = new ConcurrentHashMap<>();

    /** Counts the malformed messages of the stack named {@code stackName} with {@code onMalformed}. */
    public static void register(String stackName, Runnable onMalformed) {
        BY_STACK.put(stackName, onMalformed);
    }

    public static void unregister(String stackName) {
        BY_STACK.remove(stackName);
    }

    private final StringMsgParserFactory delegate = new StringMsgParserFactory();

    @Override
    public MessageParser createMessageParser(SIPTransactionStack stack) {
        MessageParser parser = delegate.createMessageParser(stack);
        String name = stack instanceof SipStack s ? s.getStackName() : null;
        return (bytes, readBody, strict, listener) -> {
            try {
                SIPMessage m = parser.parseSIPMessage(bytes, readBody, strict, listener);
                if (m == null && !blank(bytes)) {
                    malformed(name); // e.g. only control characters: the parser skips them and answers null
                } else if (m != null && (m.getFrom() == null || m.getTo() == null || m.getCallId() == null
                        || m.getCSeq() == null || m.getViaHeaders() == null)) {
                    // rejected here: the stack's own check comes after code that dereferences CSeq
                    throw new ParseException("missing From, To, Call-ID, CSeq or Via", 0);
                } else if (m instanceof gov.nist.javax.sip.message.SIPResponse r && (r.getStatusLine() == null
                        || r.getStatusCode() < 100 || r.getStatusCode() > 699)
                        || m instanceof gov.nist.javax.sip.message.SIPRequest q && q.getRequestLine() == null) {
                    // the stack's lenient parser reports a bad first line to its listener and goes on
                    throw new ParseException("bad request or status line", 0);
                }
                return m;
            } catch (ParseException | RuntimeException e) {
                malformed(name);
                throw e;
            }
        };
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

    private static void malformed(String stackName) {
        Runnable r = stackName == null ? null : BY_STACK.get(stackName);
        if (r != null) {
            r.run();
        }
    }
}

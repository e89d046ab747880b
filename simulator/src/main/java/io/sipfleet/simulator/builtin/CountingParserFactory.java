package io.sipfleet.simulator.builtin;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.parser.MessageParser;
import gov.nist.javax.sip.parser.MessageParserFactory;
import gov.nist.javax.sip.parser.StringMsgParserFactory;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.text.ParseException;
import javax.sip.SipStack;

/**
 * The stack's own parser, counting what it rejects (JAIN-SIP {@code MESSAGE_PARSER_FACTORY}): a
 * message that does not parse, or parses without From, To, Call-ID, CSeq or Via (rejected here as a
 * parse error: the stack's own check comes too late for UDP), is dropped by the stack and counted as
 * malformed on the server. Loaded by name: public, no-argument constructor.
 */
public final class CountingParserFactory implements MessageParserFactory {
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
        BuiltinServer s = Hooks.server(stackName);
        if (s != null) {
            s.countMalformed();
        }
    }
}

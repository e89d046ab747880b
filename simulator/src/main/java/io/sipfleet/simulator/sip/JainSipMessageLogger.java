package io.sipfleet.simulator.sip;

import gov.nist.core.ServerLogger;
import gov.nist.javax.sip.message.SIPMessage;
import java.lang.System.Logger.Level;
import java.util.Properties;
import javax.sip.SipStack;

/**
 * JAIN-SIP's message log on the platform logger {@code sipfleet.sip.messages} at DEBUG: off by
 * default. Messages may carry digest responses, never passwords. Traces do not come from here ({@link TraceTap}).
 */
public final class JainSipMessageLogger implements ServerLogger {
    private static final System.Logger LOG = System.getLogger("sipfleet.sip.messages");

    @Override public void closeLogFile() { }

    @Override
    public void logMessage(SIPMessage message, String from, String to, boolean sender, long time) {
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, (sender ? "sent " + from + " -> " + to : "received " + from + " -> " + to)
                    + "\n" + message.encode());
        }
    }

    /** The stack's second report of a received response ("before processing"): logged, not traced again. */
    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender, long time) {
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, "received " + from + " -> " + to + " (" + status + ")\n" + message.encode());
        }
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender) {
        logMessage(message, from, to, status, sender, 0);
    }

    @Override public void logException(Exception ex) { LOG.log(Level.WARNING, "SIP message log", ex); }
    @Override
    public void setStackProperties(Properties stackProperties) {
    }
    @Override public void setSipStack(SipStack sipStack) { }
}

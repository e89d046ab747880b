package io.sipfleet.simulator.sip;

import gov.nist.core.StackLogger;
import java.lang.System.Logger.Level;
import java.util.Properties;

/**
 * Routes JAIN-SIP's stack log to the JDK's platform logger (which Quarkus and every other host
 * route on), so the stack needs no log4j. Loaded by name through {@code gov.nist.javax.sip.STACK_LOGGER}.
 * The stack's INFO is chatty (a line per connection and more), so it goes out at DEBUG; debug and
 * trace only when the {@code gov.nist.javax.sip} logger is at that level.
 */
public final class JainSipStackLogger implements StackLogger {
    private static final System.Logger LOG = System.getLogger("gov.nist.javax.sip");
    /** The stack asks whether debug is on for nearly every header it parses: the answer is looked up 4 times a second. */
    private static final long RECHECK_NANOS = 250_000_000L;
    private static volatile long checkedAt;
    private static volatile boolean checked;
    private static volatile boolean debug;

    private static boolean debug() {
        long now = System.nanoTime();
        if (!checked || now - checkedAt > RECHECK_NANOS) {
            debug = LOG.isLoggable(Level.DEBUG);
            checkedAt = now;
            checked = true;
        }
        return debug;
    }

    @Override public void logStackTrace() { }
    @Override public void logStackTrace(int traceLevel) { }
    @Override public int getLineCount() { return 0; }
    @Override public void logException(Throwable ex) { LOG.log(Level.WARNING, "SIP stack exception", ex); }
    @Override public void logDebug(String message) { LOG.log(Level.DEBUG, message); }
    @Override public void logDebug(String message, Exception ex) { LOG.log(Level.DEBUG, message, ex); }
    @Override public void logTrace(String message) { LOG.log(Level.TRACE, message); }
    @Override public void logFatalError(String message) { LOG.log(Level.ERROR, message); }
    @Override public void logError(String message) { LOG.log(Level.ERROR, message); }
    @Override public boolean isLoggingEnabled() { return debug(); }

    @Override
    public boolean isLoggingEnabled(int logLevel) {
        return switch (logLevel) {
            case TRACE_DEBUG, TRACE_TRACE -> debug();
            // TRACE_INFO is also the level of the stack's message log (ServerLogger.TRACE_MESSAGES): only at DEBUG;
            // traces come from our own sockets, so that tracing a phone costs the others nothing
            case TRACE_INFO -> debug();
            case TRACE_WARN -> LOG.isLoggable(Level.WARNING);
            case TRACE_ERROR, TRACE_FATAL -> LOG.isLoggable(Level.ERROR);
            default -> LOG.isLoggable(Level.TRACE);
        };
    }

    @Override public void logError(String message, Exception ex) { LOG.log(Level.ERROR, message, ex); }
    @Override public void logWarning(String message) { LOG.log(Level.WARNING, message); }
    @Override public void logInfo(String message) { LOG.log(Level.DEBUG, message); }
    @Override public void disableLogging() { }
    @Override public void enableLogging() { }
    @Override public void setBuildTimeStamp(String buildTimeStamp) { }
    @Override public void setStackProperties(Properties stackProperties) { }
    @Override public String getLoggerName() { return LOG.getName(); }
}

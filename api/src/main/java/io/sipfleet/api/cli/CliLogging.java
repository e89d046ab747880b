package io.sipfleet.api.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Logging of run mode, which does not start Quarkus (and so nothing configures its log manager): one line a record
 * on stderr, the simulator's own at INFO (its SIP stack, the built-in servers, the warm-up), everything else from
 * WARNING. Quiet: WARNING for all.
 */
final class CliLogging {
    private CliLogging() {
    }

    static void configure(PrintStream err, boolean quiet) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        Handler h = new Handler() {
            private final Formatter format = new Formatter() {
                @Override
                public String format(LogRecord r) {
                    return formatMessage(r);
                }
            };

            @Override
            public void publish(LogRecord r) {
                if (!isLoggable(r)) {
                    return;
                }
                String name = r.getLoggerName() == null ? "" : r.getLoggerName();
                StringBuilder b = new StringBuilder("[sipfleet] ").append(r.getLevel().getName()).append(' ')
                        .append(name.substring(name.lastIndexOf('.') + 1)).append(": ").append(format.format(r));
                if (r.getThrown() != null) {
                    StringWriter w = new StringWriter();
                    r.getThrown().printStackTrace(new PrintWriter(w));
                    b.append(System.lineSeparator()).append(w.toString().stripTrailing());
                }
                synchronized (err) {
                    err.println(b);
                    err.flush();
                }
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {
            }
        };
        h.setLevel(Level.ALL);
        root.addHandler(h);
        root.setLevel(Level.WARNING);
        Logger.getLogger("io.sipfleet").setLevel(quiet ? Level.WARNING : Level.INFO);
        // JAIN-SIP warns about the TLS stores it does not use when TLS is off: its errors only
        Logger.getLogger("gov.nist.javax.sip").setLevel(Level.SEVERE);
        // the loggers are held here: an unreferenced JUL logger may be collected with its level
        KEPT[0] = root;
        KEPT[1] = Logger.getLogger("io.sipfleet");
        KEPT[2] = Logger.getLogger("gov.nist.javax.sip");
    }

    private static final Logger[] KEPT = new Logger[3];
}

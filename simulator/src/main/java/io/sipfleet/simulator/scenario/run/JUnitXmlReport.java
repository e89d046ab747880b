package io.sipfleet.simulator.scenario.run;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * A run as JUnit XML, the format Jenkins, GitLab, GitHub Actions reporters and Surefire read (the Ant/Jenkins
 * {@code junit-4.xsd} shape): one {@code testsuite} named after the scenario; one {@code testcase} per expectation
 * (steady state before and after, every step's) and per threshold, {@code classname} the scenario and {@code name}
 * "phase: expectation"; a failed one carries a {@code failure} whose message names the expectation and the measured
 * figure and whose text lists the phones that missed with their last events; one that could not be judged an
 * {@code error}; one never judged {@code skipped}. The suite's {@code system-out} is the human summary. Written with
 * the JDK's StAX writer.
 */
public final class JUnitXmlReport {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private JUnitXmlReport() {
    }

    public static void write(RunReport report, Path file) {
        try (OutputStream out = Files.newOutputStream(file)) {
            write(report, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String toXml(RunReport report) {
        var out = new java.io.ByteArrayOutputStream();
        write(report, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    public static void write(RunReport report, OutputStream out) {
        try {
            XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
            w.writeCharacters("\n");
            var results = report.results();
            long failures = results.stream().filter(r -> r.outcome() == Outcome.FAILED).count();
            long errors = results.stream().filter(r -> r.outcome() == Outcome.ERROR).count();
            long skipped = results.stream().filter(r -> r.outcome() == Outcome.SKIPPED).count();
            boolean runBroke = report.verdict() == Verdict.ERROR && errors == 0 || report.verdict() == Verdict.ABORTED;
            w.writeStartElement("testsuite");
            w.writeAttribute("name", clean(report.scenario()));
            w.writeAttribute("tests", Long.toString(results.size() + (runBroke ? 1 : 0)));
            w.writeAttribute("failures", Long.toString(failures));
            w.writeAttribute("errors", Long.toString(errors + (runBroke ? 1 : 0)));
            w.writeAttribute("skipped", Long.toString(skipped));
            w.writeAttribute("time", seconds(report.durationMs()));
            w.writeAttribute("timestamp", TIMESTAMP.format(Instant.ofEpochMilli(report.startedAtMs())));
            w.writeAttribute("hostname", hostname());
            nl(w);
            w.writeStartElement("properties");
            property(w, "scenario", report.scenario());
            property(w, "verdict", report.verdict().wireName());
            property(w, "t1", report.t1().toMillis() + "ms");
            if (report.reason() != null) {
                property(w, "reason", report.reason());
            }
            w.writeEndElement();
            nl(w);
            for (ExpectationResult r : results) {
                w.writeStartElement("testcase");
                w.writeAttribute("classname", clean(report.scenario()));
                w.writeAttribute("name", clean(r.phase() + ": " + r.text()));
                w.writeAttribute("time", seconds(r.elapsedMs()));
                switch (r.outcome()) {
                    case SKIPPED -> {
                        // junit-4.xsd: skipped is text only (no attributes)
                        w.writeStartElement("skipped");
                        w.writeCharacters(clean(r.message() == null ? "not judged" : r.message()));
                        w.writeEndElement();
                    }
                    case FAILED, ERROR -> {
                        w.writeStartElement(r.outcome() == Outcome.FAILED ? "failure" : "error");
                        w.writeAttribute("message", clean(r.text() + ": " + r.measured()));
                        w.writeAttribute("type", r.outcome() == Outcome.FAILED ? "ExpectationFailed" : "NotObservable");
                        w.writeCharacters(clean(details(r)));
                        w.writeEndElement();
                    }
                    default -> {
                        w.writeStartElement("system-out");
                        w.writeCharacters(clean(r.measured()));
                        w.writeEndElement();
                    }
                }
                w.writeEndElement();
                nl(w);
            }
            if (runBroke) {
                // the run itself: aborted or broken, so that a pipeline sees it even when every expectation passed
                w.writeStartElement("testcase");
                w.writeAttribute("classname", clean(report.scenario()));
                w.writeAttribute("name", "run");
                w.writeAttribute("time", seconds(report.durationMs()));
                w.writeStartElement("error");
                w.writeAttribute("message", clean(report.verdict().wireName() + ": " + report.reason()));
                w.writeAttribute("type", report.verdict() == Verdict.ABORTED ? "RunAborted" : "RunError");
                w.writeCharacters(clean(String.join("\n", report.rollbacks())));
                w.writeEndElement();
                w.writeEndElement();
                nl(w);
            }
            w.writeStartElement("system-out");
            w.writeCharacters(clean(TextSummary.of(report)));
            w.writeEndElement();
            nl(w);
            w.writeEndElement();
            w.writeEndDocument();
            w.flush();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write the JUnit XML: " + e.getMessage(), e);
        }
    }

    /** The failure's text: why, the measured figure, the phones that missed and their last events. */
    static String details(ExpectationResult r) {
        StringBuilder b = new StringBuilder();
        b.append(r.id()).append(' ').append(r.text()).append('\n');
        b.append("measured: ").append(r.measured()).append('\n');
        if (r.message() != null) {
            b.append(r.message()).append('\n');
        }
        if (r.missed() > 0) {
            b.append("phones that missed: ").append(r.missed());
            if (r.missed() > r.evidence().size()) {
                b.append(" (the first ").append(r.evidence().size()).append(" below)");
            }
            b.append('\n');
            for (PhoneEvidence p : r.evidence()) {
                b.append("  ").append(p.phone()).append(": ").append(p.state()).append('\n');
                for (String e : p.lastEvents()) {
                    b.append("    ").append(e).append('\n');
                }
            }
        }
        return b.toString();
    }

    private static void property(XMLStreamWriter w, String name, String value) throws XMLStreamException {
        w.writeStartElement("property");
        w.writeAttribute("name", name);
        w.writeAttribute("value", clean(value));
        w.writeEndElement();
    }

    private static void nl(XMLStreamWriter w) throws XMLStreamException {
        w.writeCharacters("\n");
    }

    private static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.3f", ms / 1000.0);
    }

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Drops what XML 1.0 cannot carry (control characters other than tab, new line, carriage return). */
    static String clean(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c == 0x9 || c == 0xA || c == 0xD || c >= 0x20 && c <= 0xD7FF || c >= 0xE000 && c <= 0xFFFD
                    || c >= 0x10000 && c <= 0x10FFFF) {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}

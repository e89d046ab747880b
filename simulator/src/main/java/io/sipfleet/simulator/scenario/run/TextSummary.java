package io.sipfleet.simulator.scenario.run;

import java.util.Locale;

/** A run for a person (stdout of the command line): the verdict, each phase and expectation, what was cleaned up. */
public final class TextSummary {
    private TextSummary() {
    }

    public static String of(RunReport r) {
        StringBuilder b = new StringBuilder();
        b.append("scenario ").append(r.scenario()).append(": ").append(r.verdict().name())
                .append(String.format(Locale.ROOT, " in %.1f s", r.durationMs() / 1000.0))
                .append(" (T1 = ").append(r.t1().toMillis()).append(" ms)\n");
        if (r.reason() != null) {
            b.append("  ").append(r.reason()).append('\n');
        }
        for (StepResult p : r.phases()) {
            b.append("  ").append(p.name()).append(": ").append(p.outcome().wireName());
            if (p.startedAtMs() > 0) {
                b.append(String.format(Locale.ROOT, " (%.2f s)", (p.endedAtMs() - p.startedAtMs()) / 1000.0));
            }
            b.append('\n');
            p.expectations().forEach(e -> line(b, e));
        }
        if (!r.thresholds().isEmpty()) {
            b.append("  thresholds\n");
            r.thresholds().forEach(e -> line(b, e));
        }
        if (!r.rollbacks().isEmpty()) {
            b.append("  rollbacks\n");
            r.rollbacks().forEach(x -> b.append("    ").append(x).append('\n'));
        }
        if (!r.cleanup().isEmpty()) {
            b.append("  clean-up\n");
            r.cleanup().forEach(x -> b.append("    ").append(x).append('\n'));
        }
        return b.toString();
    }

    private static void line(StringBuilder b, ExpectationResult e) {
        String mark = switch (e.outcome()) {
            case PASSED -> "PASS";
            case FAILED -> "FAIL";
            case ERROR -> "ERR ";
            case SKIPPED -> "SKIP";
        };
        b.append("    ").append(mark).append(' ').append(e.text()).append(": ").append(e.measured()).append('\n');
        if (e.outcome() == Outcome.FAILED || e.outcome() == Outcome.ERROR) {
            if (e.message() != null) {
                b.append("         ").append(e.message()).append('\n');
            }
            for (PhoneEvidence p : e.evidence()) {
                b.append("         ").append(p.phone()).append(": ").append(p.state()).append("; last events: ")
                        .append(String.join(", ", p.lastEvents())).append('\n');
            }
            if (e.missed() > e.evidence().size()) {
                b.append("         ... ").append(e.missed() - e.evidence().size()).append(" more\n");
            }
        }
    }
}

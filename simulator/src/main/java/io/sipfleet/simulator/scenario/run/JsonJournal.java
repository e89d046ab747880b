package io.sipfleet.simulator.scenario.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A run as JSON (Jackson): the verdict, every phase with its expectations (measured figures and evidence), the
 * thresholds, the rollbacks and clean-up, and the journal: every step, action and observation with its instant
 * ({@code at}, ISO-8601 UTC, and {@code atMs}, epoch ms, and {@code t}, ms since the run's start).
 */
public final class JsonJournal {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonJournal() {
    }

    public static ObjectNode toJson(RunReport r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("scenario", r.scenario());
        if (r.description() != null) {
            root.put("description", r.description());
        }
        root.put("verdict", r.verdict().wireName());
        root.put("exitCode", r.verdict().exitCode());
        if (r.reason() != null) {
            root.put("reason", r.reason());
        }
        root.put("t1Ms", r.t1().toMillis());
        root.put("startedAt", Instant.ofEpochMilli(r.startedAtMs()).toString());
        root.put("endedAt", Instant.ofEpochMilli(r.endedAtMs()).toString());
        root.put("durationMs", r.durationMs());
        ArrayNode phases = root.putArray("phases");
        for (StepResult p : r.phases()) {
            ObjectNode n = phases.addObject();
            n.put("name", p.name());
            n.put("outcome", p.outcome().wireName());
            if (p.startedAtMs() > 0) {
                n.put("startedAt", Instant.ofEpochMilli(p.startedAtMs()).toString());
                n.put("endedAt", Instant.ofEpochMilli(p.endedAtMs()).toString());
                n.put("durationMs", p.endedAtMs() - p.startedAtMs());
            }
            ArrayNode ex = n.putArray("expectations");
            p.expectations().forEach(e -> result(ex.addObject(), e));
        }
        ArrayNode th = root.putArray("thresholds");
        r.thresholds().forEach(e -> result(th.addObject(), e));
        ArrayNode rb = root.putArray("rollbacks");
        r.rollbacks().forEach(rb::add);
        ArrayNode cu = root.putArray("cleanup");
        r.cleanup().forEach(cu::add);
        ArrayNode journal = root.putArray("journal");
        for (JournalEntry e : r.journal()) {
            ObjectNode n = journal.addObject();
            n.put("at", Instant.ofEpochMilli(e.atMs()).toString());
            n.put("atMs", e.atMs());
            n.put("t", e.atMs() - r.startedAtMs());
            n.put("kind", e.kind());
            if (e.phase() != null) {
                n.put("phase", e.phase());
            }
            n.put("text", e.text());
            if (!e.data().isEmpty()) {
                n.set("data", JSON.valueToTree(e.data()));
            }
        }
        return root;
    }

    private static void result(ObjectNode n, ExpectationResult e) {
        n.put("id", e.id());
        n.put("expectation", e.text());
        n.put("outcome", e.outcome().wireName());
        n.put("measured", e.measured());
        if (e.message() != null) {
            n.put("message", e.message());
        }
        if (e.decidedAtMs() > 0) {
            n.put("decidedAt", Instant.ofEpochMilli(e.decidedAtMs()).toString());
            n.put("elapsedMs", e.elapsedMs());
        }
        if (e.missed() > 0) {
            n.put("missed", e.missed());
            ArrayNode ev = n.putArray("evidence");
            for (PhoneEvidence p : e.evidence()) {
                ObjectNode pn = ev.addObject();
                pn.put("phone", p.phone());
                pn.put("state", p.state());
                ArrayNode le = pn.putArray("lastEvents");
                p.lastEvents().forEach(le::add);
            }
        }
    }

    public static String toString(RunReport r) {
        try {
            return JSON.writeValueAsString(toJson(r));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(RunReport r, Path file) {
        try {
            JSON.writeValue(file.toFile(), toJson(r));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

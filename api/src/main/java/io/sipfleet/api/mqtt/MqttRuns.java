package io.sipfleet.api.mqtt;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipfleet.api.rest.RunJson;
import io.sipfleet.simulator.scenario.run.JournalEntry;
import io.sipfleet.simulator.scenario.run.Run;
import io.sipfleet.simulator.scenario.run.RunProgress;
import io.sipfleet.simulator.scenario.run.RunReport;
import io.sipfleet.simulator.scenario.run.Runs;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Scenario runs on MQTT: {@code {base}/runs/{id}/progress}, one message per journal entry (the run's start, each
 * step's start and end, each action, each expectation decided, each rollback and clean-up line, the verdict), not
 * retained; {@code {base}/runs/{id}/verdict}, once, retained (a CI job that subscribes late still gets it), cleared
 * when the service forgets the run. Hands the messages to {@link MqttPublisher}'s queue: never waits for the broker.
 */
@ApplicationScoped
public class MqttRuns implements Runs.Listener {
    private static final Logger LOG = Logger.getLogger(MqttRuns.class);
    /** Under the connector's largest message (65536 bytes) with room to spare. */
    static final int MAX_VERDICT_BYTES = 60_000;

    private final MqttPublisher publisher;
    private final ObjectMapper json;

    MqttRuns(MqttPublisher publisher, ObjectMapper json) {
        this.publisher = publisher;
        this.json = json;
    }

    @Override
    public void onEntry(Run run, JournalEntry e) {
        RunProgress p = run.progress();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run", run.id());
        m.put("scenario", run.scenario().metadata().name());
        m.put("at", Instant.ofEpochMilli(e.atMs()).toString());
        m.put("t", e.atMs() - run.startedAtMs());
        m.put("kind", e.kind());
        if (e.phase() != null) {
            m.put("phase", e.phase());
        }
        m.put("text", e.text());
        if (!e.data().isEmpty()) {
            m.put("data", e.data());
        }
        m.put("state", p.state().wireName());
        if (p.stepIndex() >= 0) {
            m.put("step", p.stepIndex());
        }
        m.put("stepsTotal", p.stepsTotal());
        publish(publisher.topics().runProgress(run.id()), m, false);
    }

    @Override
    public void onFinished(Run run, RunReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run", run.id());
        m.put("scenario", r.scenario());
        m.put("verdict", r.verdict().wireName());
        m.put("exitCode", r.verdict().exitCode());
        if (r.reason() != null) {
            m.put("reason", r.reason());
        }
        m.put("startedAt", Instant.ofEpochMilli(r.startedAtMs()).toString());
        m.put("endedAt", Instant.ofEpochMilli(r.endedAtMs()).toString());
        m.put("durationMs", r.durationMs());
        List<RunJson.Result> results = r.results().stream().map(x -> new RunJson.Result(x.id(), x.phase(), x.text(),
                x.outcome().wireName(), x.measured(), x.message(), null, null, x.missed() > 0 ? x.missed() : null,
                null)).toList();
        m.put("results", results);
        m.put("report", "/api/runs/" + run.id());
        try {
            if (json.writeValueAsBytes(m).length > MAX_VERDICT_BYTES) {
                m.remove("results");
                m.put("resultsOmitted", results.size() + " results: too many for one message; GET /api/runs/"
                        + run.id() + " has them");
            }
        } catch (Exception e) {
            LOG.debugf("run %s: %s", run.id(), e.getMessage());
        }
        publish(publisher.topics().runVerdict(run.id()), m, true);
    }

    @Override
    public void onForgotten(Run run) {
        publisher.runMessage(publisher.topics().runVerdict(run.id()), new byte[0], true);
    }

    private void publish(String topic, Map<String, Object> m, boolean retained) {
        try {
            publisher.runMessage(topic, json.writeValueAsBytes(m), retained);
        } catch (Exception e) {
            LOG.errorf(e, "cannot write the run message for %s", topic);
        }
    }
}

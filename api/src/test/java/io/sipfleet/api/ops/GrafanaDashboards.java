package io.sipfleet.api.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Grafana dashboards of {@code dashboards/grafana/} as the tests read them: the files, every panel's
 * PromQL (rows and nested panels included) and the template variables' queries, with Grafana's variables
 * replaced by values Prometheus takes.
 */
final class GrafanaDashboards {
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What Grafana's variables become: every template variable is "All" (the regex {@code .*}); the
     * intervals cover the whole test run (a few tens of seconds), so a rate sees every failover of it.
     */
    static final Map<String, String> VALUES = Map.of(
            "__rate_interval", "5m", "__interval", "1m", "__range", "5m",
            "instance", ".*", "model", ".*", "server", ".*", "reason", ".*");

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\$(\\w+)");

    private GrafanaDashboards() {}

    /** One PromQL expression of a panel (or a variable's query), with where it comes from. */
    record Expr(String dashboard, String panel, String refId, String raw, String promql) {
        @Override
        public String toString() {
            return dashboard + " / " + panel + " / " + refId + ": " + promql;
        }
    }

    /**
     * {@code dashboards/grafana} of the repository, found from the working directory up (Surefire runs in
     * the module's directory, an IDE may run in the repository's).
     */
    static Path dir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path d = p.resolve("dashboards").resolve("grafana");
            if (Files.isDirectory(d) && Files.exists(p.resolve("dashboards").resolve("pom.xml"))) {
                return d;
            }
        }
        throw new IllegalStateException("no dashboards/grafana above " + Path.of("").toAbsolutePath());
    }

    /** Every dashboard JSON file, by name. */
    static List<Path> files() {
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + file, e);
        }
    }

    /** Every panel, nested ones (in rows) included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        collect(dashboard.path("panels"), out);
        return out;
    }

    private static void collect(JsonNode panels, List<JsonNode> out) {
        for (JsonNode p : panels) {
            out.add(p);
            collect(p.path("panels"), out);
        }
    }

    /** Every target's expression of every panel of every dashboard. */
    static List<Expr> panelExpressions() {
        List<Expr> out = new ArrayList<>();
        for (Path f : files()) {
            JsonNode d = read(f);
            for (JsonNode p : panels(d)) {
                for (JsonNode t : p.path("targets")) {
                    String raw = t.path("expr").asText("");
                    out.add(new Expr(d.path("uid").asText(), p.path("title").asText(), t.path("refId").asText(), raw,
                            substitute(raw)));
                }
            }
        }
        return out;
    }

    /**
     * The query variables' {@code label_values(metric, label)} as PromQL ({@code group by (label) (metric)}):
     * what Grafana asks Prometheus for the variable's values.
     */
    static List<Expr> variableExpressions() {
        Pattern labelValues = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");
        List<Expr> out = new ArrayList<>();
        for (Path f : files()) {
            JsonNode d = read(f);
            for (JsonNode v : d.path("templating").path("list")) {
                if (!"query".equals(v.path("type").asText())) {
                    continue;
                }
                JsonNode q = v.path("query");
                String raw = q.isObject() ? q.path("query").asText() : q.asText();
                Matcher m = labelValues.matcher(raw);
                if (!m.matches()) {
                    throw new AssertionError(d.path("uid").asText() + ": variable " + v.path("name").asText()
                            + " is not label_values(metric, label): " + raw);
                }
                out.add(new Expr(d.path("uid").asText(), "variable " + v.path("name").asText(), "-", raw,
                        "group by (" + m.group(2) + ") (" + substitute(m.group(1)) + ")"));
            }
        }
        return out;
    }

    /** The expression with every Grafana variable replaced; an unknown variable is an error. */
    static String substitute(String expr) {
        Matcher m = VARIABLE.matcher(expr);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String value = VALUES.get(name);
            if (value == null) {
                throw new AssertionError("unknown Grafana variable $" + name + " in " + expr);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}

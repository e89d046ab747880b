package io.sipfleet.api.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana files of {@code dashboards/grafana/} without a Grafana or a Prometheus (cheap): every dashboard
 * parses, has a unique stable uid, takes its Prometheus from the {@code ${datasource}} variable, names no
 * remote URL, and uses only variables it defines and metrics the README documents. Whether the expressions
 * evaluate is {@link GrafanaDashboardsTest}'s part.
 */
class GrafanaDashboardFilesTest {
    /** The uids are the dashboards' addresses in Grafana (/d/{uid}): links and bookmarks depend on them. */
    private static final Set<String> UIDS = Set.of("sipfleet-fleet-overview", "sipfleet-failover",
            "sipfleet-sip-failures", "sipfleet-simulator-health");

    @Test
    void everyDashboardParsesWithAUniqueStableUid() {
        List<Path> files = GrafanaDashboards.files();
        Set<String> uids = new HashSet<>();
        Set<String> titles = new HashSet<>();
        for (Path f : files) {
            JsonNode d = GrafanaDashboards.read(f);
            String uid = d.path("uid").asText("");
            assertThat(uid).as(f + " uid").matches("[a-z0-9-]{1,40}");
            assertThat(f.getFileName().toString()).as("file named after its uid").isEqualTo(uid + ".json");
            assertThat(uids.add(uid)).as("uid %s unique", uid).isTrue();
            assertThat(titles.add(d.path("title").asText())).as("title of %s unique", uid).isTrue();
            assertThat(d.path("id").isMissingNode() || d.path("id").isNull()).as("%s carries no instance id", uid)
                    .isTrue();
            assertThat(d.path("schemaVersion").asInt()).as("%s schemaVersion (Grafana 10/11)", uid).isBetween(36, 41);
            assertThat(d.path("tags").toString()).contains("sipfleet");
        }
        assertThat(uids).isEqualTo(UIDS);
    }

    @Test
    void everyPanelTakesItsPrometheusFromTheDatasourceVariable() {
        for (Path f : GrafanaDashboards.files()) {
            JsonNode d = GrafanaDashboards.read(f);
            String uid = d.path("uid").asText();
            JsonNode ds = null;
            for (JsonNode v : d.path("templating").path("list")) {
                if ("datasource".equals(v.path("name").asText())) {
                    ds = v;
                }
            }
            assertThat(ds).as("%s has a datasource variable", uid).isNotNull();
            assertThat(ds.path("type").asText()).isEqualTo("datasource");
            assertThat(ds.path("query").asText()).isEqualTo("prometheus");
            Set<Integer> ids = new HashSet<>();
            int withTargets = 0;
            for (JsonNode p : GrafanaDashboards.panels(d)) {
                String where = uid + " / " + p.path("title").asText();
                assertThat(ids.add(p.path("id").asInt())).as("%s: panel id unique", where).isTrue();
                assertThat(p.path("gridPos").isObject()).as(where + " gridPos").isTrue();
                if ("row".equals(p.path("type").asText())) {
                    continue;
                }
                assertThat(p.path("datasource").path("uid").asText()).as(where).isEqualTo("${datasource}");
                assertThat(p.path("targets").size()).as(where + " has a query").isPositive();
                for (JsonNode t : p.path("targets")) {
                    assertThat(t.path("datasource").path("uid").asText()).as(where).isEqualTo("${datasource}");
                    assertThat(t.path("expr").asText("")).as(where + " expr").isNotBlank();
                }
                withTargets++;
            }
            for (JsonNode v : d.path("templating").path("list")) {
                if ("query".equals(v.path("type").asText())) {
                    assertThat(v.path("datasource").path("uid").asText()).as(uid + " variable " + v.path("name"))
                            .isEqualTo("${datasource}");
                }
            }
            assertThat(withTargets).as(uid + " panels").isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void noDashboardNamesARemoteUrl() throws Exception {
        Pattern url = Pattern.compile("(?i)(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}|cdn");
        for (Path f : GrafanaDashboards.files()) {
            Matcher m = url.matcher(Files.readString(f));
            assertThat(m.find() ? m.group() : null).as(f + ": a remote URL").isNull();
        }
    }

    @Test
    void expressionsUseOnlyTheirDashboardsVariablesAndDocumentedMetrics() throws Exception {
        Pattern variable = Pattern.compile("\\$\\{?(\\w+)");
        Pattern metric = Pattern.compile("\\b(sipfleet_[a-z_]+|jvm_[a-z_]+|process_[a-z_]+|system_[a-z0-9_]+)");
        String readme = Files.readString(GrafanaDashboards.dir().getParent().getParent().resolve("README.md"));
        Set<String> used = new TreeSet<>();
        for (Path f : GrafanaDashboards.files()) {
            JsonNode d = GrafanaDashboards.read(f);
            Set<String> defined = new HashSet<>(Set.of("__rate_interval", "__interval", "__range"));
            d.path("templating").path("list").forEach(v -> defined.add(v.path("name").asText()));
            for (JsonNode p : GrafanaDashboards.panels(d)) {
                for (JsonNode t : p.path("targets")) {
                    String expr = t.path("expr").asText("");
                    Matcher v = variable.matcher(expr);
                    while (v.find()) {
                        assertThat(defined).as(d.path("uid").asText() + ": " + expr).contains(v.group(1));
                    }
                    GrafanaDashboards.substitute(expr);
                    Matcher m = metric.matcher(expr);
                    while (m.find()) {
                        used.add(m.group(1));
                    }
                }
            }
        }
        for (String name : used) {
            if (name.startsWith("sipfleet_")) {
                // the README lists histograms by their base name
                String base = name.replaceAll("_(bucket|sum|count|max)$", "");
                assertThat(readme).as("README documents " + name).contains(base);
            }
        }
        assertThat(used).contains("sipfleet_phones_by_active_server", "sipfleet_failover_latency_seconds_bucket",
                "sipfleet_failures_total", "sipfleet_overload_lag_seconds", "jvm_memory_used_bytes");
    }

    @Test
    void provisioningAndScrapeConfigAreThere() throws Exception {
        Path dir = GrafanaDashboards.dir();
        String datasource = Files.readString(dir.resolve("provisioning/datasources/prometheus.yaml"));
        assertThat(datasource).contains("apiVersion: 1", "type: prometheus", "timeInterval: 5s");
        String dashboards = Files.readString(dir.resolve("provisioning/dashboards/sipfleet.yaml"));
        assertThat(dashboards).contains("apiVersion: 1", "type: file", "path: ");
        String prometheus = Files.readString(dir.resolve("prometheus.yml"));
        assertThat(prometheus).contains("metrics_path: /q/metrics", "scrape_interval: 5s", "'127.0.0.1:8080'");
    }
}

package io.sipfleet.systemtests.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * deploy/k8s read into the Kubernetes API's own types (fabric8's model): every field is one Kubernetes knows (a
 * misspelt field lands in no field and fails here), and the shape issue 12 asks for holds: the shard index comes
 * from the StatefulSet ordinal, the shard count and the broker from the ConfigMap, secrets from a Secret, every
 * {@code SIPFLEET_*} variable is a configuration key the service has, the Service is headless, the disruption
 * budget and the Prometheus annotations select the pods. No cluster is needed (none is reachable here).
 */
class KubernetesManifestsTest {
    private static final Path DIR = Path.of("..", "deploy", "k8s");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static <T> T read(String file, Class<T> type) throws IOException {
        T value = YAML.readValue(DIR.resolve(file).toFile(), type);
        List<String> unknown = new ArrayList<>();
        unknownFields(value, file, unknown, new IdentityHashMap<>());
        assertThat(unknown).as("fields Kubernetes does not know in " + file).isEmpty();
        return value;
    }

    /** fabric8's types keep what they do not know in additionalProperties: a typo ends up there. */
    private static void unknownFields(Object o, String path, List<String> out, Map<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, out, seen));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || !g.getName().startsWith("get") || g.getDeclaringClass() == Object.class) {
                continue;
            }
            try {
                Object v = g.invoke(o);
                if (g.getName().equals("getAdditionalProperties")) {
                    if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        out.add(path + ": " + extra.keySet());
                    }
                } else {
                    unknownFields(v, path + "." + g.getName().substring(3), out, seen);
                }
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static Container container(StatefulSet s) {
        assertThat(s.getSpec().getTemplate().getSpec().getContainers()).hasSize(1);
        return s.getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    private static EnvVar env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in the container's env"));
    }

    @Test
    void theShardIndexIsTheOrdinalAndTheShardCountTheReplicas() throws IOException {
        StatefulSet s = read("statefulset.yaml", StatefulSet.class);
        ConfigMap cm = read("configmap.yaml", ConfigMap.class);
        Container c = container(s);

        assertThat(env(c, "SIPFLEET_CLUSTER_SHARD_INDEX").getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("metadata.labels['apps.kubernetes.io/pod-index']");
        assertThat(Integer.parseInt(cm.getData().get("SIPFLEET_CLUSTER_SHARD_COUNT")))
                .as("shard count = replicas").isEqualTo(s.getSpec().getReplicas());
        // each shard keeps its own SIP address (its registrations are tied to it)
        assertThat(env(c, "SIPFLEET_SIP_BIND_ADDRESS").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
        assertThat(s.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
    }

    @Test
    void theBrokerComesFromTheConfigMapAndSecretsFromASecret() throws IOException {
        StatefulSet s = read("statefulset.yaml", StatefulSet.class);
        ConfigMap cm = read("configmap.yaml", ConfigMap.class);
        Container c = container(s);

        assertThat(c.getEnvFrom()).anySatisfy(f -> assertThat(f.getConfigMapRef().getName())
                .isEqualTo(cm.getMetadata().getName()));
        assertThat(cm.getData()).containsEntry("SIPFLEET_MQTT_EMBEDDED", "false")
                .containsKeys("SIPFLEET_MQTT_HOST", "SIPFLEET_MQTT_PORT", "SIPFLEET_MQTT_BASE_TOPIC");
        assertThat(cm.getData().keySet()).as("no secret in the ConfigMap")
                .noneMatch(k -> k.contains("PASSWORD") || k.contains("TOKEN"));
        assertThat(c.getEnv().stream().filter(e -> e.getName().equals("SIPFLEET_API_TOKEN")
                || e.getName().equals("SIPFLEET_MQTT_PASSWORD")))
                .hasSize(2).allSatisfy(e -> assertThat(e.getValueFrom().getSecretKeyRef().getName())
                        .isEqualTo("sipfleet-secrets"));
        // bound beyond loopback: the token above is what lets the service start
        assertThat(env(c, "QUARKUS_HTTP_HOST").getValue()).isEqualTo("0.0.0.0");
    }

    @Test
    void everySipfleetVariableIsAConfigurationKeyTheServiceHas() throws IOException {
        Set<String> keys = configKeysInReadme();
        assertThat(keys).contains("SIPFLEET_CLUSTER_SHARD_INDEX", "SIPFLEET_MQTT_HOST");
        StatefulSet s = read("statefulset.yaml", StatefulSet.class);
        ConfigMap cm = read("configmap.yaml", ConfigMap.class);
        List<String> names = new ArrayList<>(cm.getData().keySet());
        container(s).getEnv().forEach(e -> names.add(e.getName()));
        assertThat(names.stream().filter(n -> n.startsWith("SIPFLEET_")).toList())
                .as("each is a key of README \"Configuration\"").allMatch(keys::contains);
    }

    /** README "Configuration" keys as environment variables ({@code sipfleet.a.b-c} -> {@code SIPFLEET_A_B_C}). */
    private static Set<String> configKeysInReadme() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher row = Pattern.compile("(?m)^\\| `(sipfleet\\.[a-z0-9.-]+)`( / `([a-z0-9.-]+)`)?").matcher(readme);
        Set<String> keys = new java.util.TreeSet<>();
        while (row.find()) {
            String key = row.group(1);
            keys.add(envName(key));
            if (row.group(3) != null) { // "`sipfleet.mqtt.host` / `port`": a sibling key
                keys.add(envName(key.substring(0, key.lastIndexOf('.') + 1) + row.group(3)));
            }
        }
        return keys;
    }

    private static String envName(String key) {
        return key.replaceAll("[.-]", "_").toUpperCase(Locale.ROOT);
    }

    @Test
    void theServiceIsHeadlessAndTheBudgetAndScrapeSelectThePods() throws IOException {
        StatefulSet s = read("statefulset.yaml", StatefulSet.class);
        Service svc = read("service.yaml", Service.class);
        PodDisruptionBudget pdb = read("poddisruptionbudget.yaml", PodDisruptionBudget.class);
        Map<String, String> podLabels = s.getSpec().getTemplate().getMetadata().getLabels();

        assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(s.getSpec().getServiceName()).isEqualTo(svc.getMetadata().getName());
        assertThat(podLabels).containsAllEntriesOf(svc.getSpec().getSelector());
        assertThat(podLabels).containsAllEntriesOf(s.getSpec().getSelector().getMatchLabels());
        assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isZero();

        Map<String, String> annotations = s.getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/path", "/q/metrics");
        Container c = container(s);
        assertThat(c.getPorts()).anySatisfy(p -> assertThat(String.valueOf(p.getContainerPort()))
                .isEqualTo(annotations.get("prometheus.io/port")));
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
    }

    @Test
    void theKustomizationListsEveryManifestAndNothingElse() throws IOException {
        ObjectNode k = (ObjectNode) YAML.readTree(DIR.resolve("kustomization.yaml").toFile());
        List<String> resources = new ArrayList<>();
        k.get("resources").forEach(r -> resources.add(r.asText()));
        try (var files = Files.list(DIR)) {
            assertThat(resources).containsExactlyInAnyOrderElementsOf(files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml")).collect(Collectors.toList()));
        }
    }
}

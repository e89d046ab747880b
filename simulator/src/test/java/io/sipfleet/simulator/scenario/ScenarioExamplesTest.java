package io.sipfleet.simulator.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The scenario library of the repository (top-level scenarios/) parses, and ships in the simulator jar. */
class ScenarioExamplesTest {

    /** The repository's scenarios/ directory (tests run in the simulator module's directory). */
    static final Path LIBRARY = Path.of("..", "scenarios");

    static List<Path> library() throws IOException {
        try (Stream<Path> files = Files.list(LIBRARY)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void the_library_has_the_examples() throws IOException {
        assertThat(library()).extracting(p -> p.getFileName().toString()).contains(
                "register-failover-silent-v3.yaml", "failback-v3.yaml", "failover-within-1s-must-fail.yaml",
                "invite-failover-v3.yaml");
    }

    @ParameterizedTest
    @MethodSource("library")
    void each_example_parses_and_is_named_as_its_file(Path file) {
        Scenario s = new ScenarioParser().parse(file);
        assertThat(s.metadata().name() + ".yaml").isEqualTo(file.getFileName().toString());
        assertThat(s.steps()).isNotEmpty();
        assertThat(s.rollbacks()).as("every example leaves nothing behind").isNotEmpty();
    }

    @ParameterizedTest
    @MethodSource("library")
    void each_example_ships_on_the_class_path_unchanged(Path file) throws IOException {
        String name = file.getFileName().toString();
        try (InputStream in = getClass().getResourceAsStream(ScenarioParser.LIBRARY_RESOURCE_DIR + name)) {
            assertThat(in).as("classpath " + name).isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(Files.readString(file));
        }
        assertThat(new ScenarioParser().parseResource(name.replace(".yaml", "")).metadata().name())
                .isEqualTo(name.replace(".yaml", ""));
    }

    @Test
    void the_must_fail_example_expects_failover_faster_than_the_v3_budget() {
        Scenario s = new ScenarioParser().parseResource("failover-within-1s-must-fail");
        assertThat(s.abortOnFail()).isTrue();
        Expectation e = s.steps().get(1).expectations().get(0);
        assertThat(e.timing()).isEqualTo(Expectation.Timing.within(java.time.Duration.ofSeconds(1)));
        assertThat(s.fleets().get(0).line().signalRetryCounts()).isEqualTo(3);
    }

    @Test
    void the_readme_example_parses() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("## Scenario files");
        assertThat(section).isPositive();
        int start = readme.indexOf("```yaml\n", section) + "```yaml\n".length();
        String yaml = readme.substring(start, readme.indexOf("```", start));
        Scenario s = new ScenarioParser().parse(yaml, "README.md");
        assertThat(s.metadata().name()).isEqualTo("register-failover-silent-v3");
        assertThat(s.steps()).hasSize(2);
    }
}

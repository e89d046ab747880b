package io.sipfleet.simulator.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The published JSON Schema (scenarios/schema/sipfleet-v1.schema.json, draft 2020-12) is a valid schema, accepts
 * every example, ships in the jar, and agrees with the parser: a file the parser refuses for a structural reason is
 * refused by the schema too.
 */
class ScenarioSchemaTest {

    static final Path SCHEMA_FILE = Path.of("..", "scenarios", "schema", "sipfleet-v1.schema.json");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    static JsonSchema schema() throws IOException {
        return FACTORY.getSchema(new ObjectMapper().readTree(SCHEMA_FILE.toFile()));
    }

    static Set<ValidationMessage> validate(String yaml) throws IOException {
        return schema().validate(YAML.readTree(yaml));
    }

    static List<Path> library() throws IOException {
        return ScenarioExamplesTest.library();
    }

    @Test
    void the_schema_is_a_valid_draft_2020_12_schema() throws IOException {
        JsonSchema meta = FACTORY.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        JsonNode schema = new ObjectMapper().readTree(SCHEMA_FILE.toFile());
        assertThat(meta.validate(schema)).isEmpty();
        assertThat(schema.get("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
    }

    @Test
    void the_schema_ships_in_the_jar_unchanged() throws IOException {
        try (InputStream in = getClass().getResourceAsStream(ScenarioParser.SCHEMA_RESOURCE)) {
            assertThat(in).isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(Files.readString(SCHEMA_FILE));
        }
    }

    @ParameterizedTest
    @MethodSource("library")
    void each_example_is_valid_against_the_schema(Path file) throws IOException {
        assertThat(validate(Files.readString(file))).isEmpty();
    }

    @Test
    void the_every_field_fixture_is_valid_against_the_schema() throws IOException {
        assertThat(validate(ScenarioParserTest.resource("every-field.yaml"))).isEmpty();
    }

    /** Structural mistakes: the parser and the schema both refuse each. */
    static List<String> structurallyBad() {
        String ok = ScenarioParserTest.minimal("steps:\n  - name: a\n    action: {server: primary, mode: silent}\n"
                + "    expect: {fleet: v3, on: backup, within: 8s}\n");
        return List.of(
                ok.replace("within: 8s", "within: \"7,5s\""),                     // not a duration
                ok.replace("within: 8s", "withn: 8s"),                            // unknown field
                ok.replace("within: 8s", "within: 8"),                            // a duration without a unit
                ok.replace("within: 8s", "within: 8s, for: 2s"),                  // two modes
                ok.replace("apiVersion: sipfleet/v1", "apiVersion: sipfleet/v2"), // another version
                ok.replace("kind: Scenario\n", ""),                               // kind missing
                ok.replace("mode: silent", "mode: sleepy"),                       // unknown availability mode
                ok.replace("model: V3", "model: V4"),                             // unknown model
                ok.replace("count: 10", "count: 0"),                              // count out of range
                ok.replace("{server: primary, mode: silent}", "{server: primary, mode: silent, wait: 1s}"), // two verbs
                ok.replace("on: backup", "on: sideways"),                         // unknown server role
                ok.replace("on: backup, within: 8s", "event: failover"),          // an event without a time
                ok.replace("on: backup", "event: falover"),                       // unknown event
                ok.replace("expect: {fleet: v3, on: backup, within: 8s}", "expect: {metric: \"failoverLatency < 8s\"}"),
                ok.replace("fleets:\n", "clock: sometimes\nfleets:\n"),           // unknown clock
                ok.replace("fleets:\n", "seed: \"1\"\nfleets:\n"),                // a string for a number
                ok.replace("  - {name: v3, model: V3, count: 10}", "  - {name: v3, model: V3, count: 10, line: "
                        + "{registerAddr: 10.0.0.1}}"),                          // an address in the line
                ok.replace("- name: a\n", "- description: no name\n"));           // a step without a name
    }

    @ParameterizedTest
    @MethodSource("structurallyBad")
    void the_schema_refuses_what_the_parser_refuses_for_its_structure(String yaml) throws IOException {
        ScenarioException e = catchThrowableOfType(ScenarioException.class, () -> new ScenarioParser().parse(yaml, "t"));
        assertThat(e).as("the parser refuses it").isNotNull();
        assertThat(validate(yaml)).as("the schema refuses it: " + e.getMessage()).isNotEmpty();
    }

    @Test
    void the_good_base_of_the_bad_cases_is_accepted_by_both() throws IOException {
        String ok = ScenarioParserTest.minimal("steps:\n  - name: a\n    action: {server: primary, mode: silent}\n"
                + "    expect: {fleet: v3, on: backup, within: 8s}\n");
        new ScenarioParser().parse(ok, "ok");
        assertThat(validate(ok)).isEmpty();
    }
}

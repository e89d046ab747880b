/**
 * Scenario files ({@code apiVersion: sipfleet/v1}, {@code kind: Scenario}): the immutable model
 * ({@link io.sipfleet.simulator.scenario.Scenario} and the records it holds), the parser that reads
 * YAML or JSON into it and refuses a bad file before anything starts
 * ({@link io.sipfleet.simulator.scenario.ScenarioParser}, errors with line, column and field path in
 * {@link io.sipfleet.simulator.scenario.ScenarioException}), and the published JSON Schema
 * ({@link io.sipfleet.simulator.scenario.ScenarioParser#SCHEMA_RESOURCE}). The runner is in
 * {@link io.sipfleet.simulator.scenario.run}.
 * Plain Java: Jackson reads the file; no Quarkus, CDI or JAX-RS.
 */
package io.sipfleet.simulator.scenario;

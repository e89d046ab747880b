/**
 * The scenario runner (issue 11, build item 3): {@link io.sipfleet.simulator.scenario.run.ScenarioRunner} runs a
 * parsed scenario against a running {@link io.sipfleet.simulator.Simulator} in real time and gives a
 * {@link io.sipfleet.simulator.scenario.run.RunReport} (verdict, every expectation with its measured figure and
 * evidence, the journal), written as JUnit XML ({@link io.sipfleet.simulator.scenario.run.JUnitXmlReport}), a JSON
 * journal ({@link io.sipfleet.simulator.scenario.run.JsonJournal}) and a human summary
 * ({@link io.sipfleet.simulator.scenario.run.TextSummary}). Plain Java: no Quarkus, CDI or JAX-RS.
 */
package io.sipfleet.simulator.scenario.run;

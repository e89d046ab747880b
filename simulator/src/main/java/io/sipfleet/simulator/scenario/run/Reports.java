package io.sipfleet.simulator.scenario.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes a run's three reports into a directory: JUnit XML, the JSON journal, the human summary. */
public final class Reports {
    private Reports() {
    }

    /**
     * Writes {@code TEST-{scenario}.xml} (the name JUnit report collectors look for), {@code {scenario}.journal.json}
     * and {@code {scenario}.summary.txt} into {@code dir} (made when missing); for a {@code clock: virtual} run also
     * {@code {scenario}.register-rate.csv}, the REGISTER rate per server and second (README "Virtual time").
     *
     * @return the files written
     */
    public static List<Path> write(RunReport report, Path dir) {
        try {
            Files.createDirectories(dir);
            Path xml = dir.resolve("TEST-" + report.scenario() + ".xml");
            Path json = dir.resolve(report.scenario() + ".journal.json");
            Path txt = dir.resolve(report.scenario() + ".summary.txt");
            JUnitXmlReport.write(report, xml);
            JsonJournal.write(report, json);
            Files.writeString(txt, TextSummary.of(report), StandardCharsets.UTF_8);
            var rate = report.journal().stream().filter(e -> e.kind().equals("register-rate")).findFirst();
            if (rate.isPresent()) {
                Path csv = dir.resolve(report.scenario() + ".register-rate.csv");
                Files.writeString(csv, RegisterRate.csv(rate.get().data()), StandardCharsets.UTF_8);
                return List.of(xml, json, txt, csv);
            }
            return List.of(xml, json, txt);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

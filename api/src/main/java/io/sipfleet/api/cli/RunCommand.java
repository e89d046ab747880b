package io.sipfleet.api.cli;

import io.sipfleet.faults.FaultTypes;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.SimulatorSettings;
import io.sipfleet.simulator.scenario.Durations;
import io.sipfleet.simulator.scenario.Scenario;
import io.sipfleet.simulator.scenario.ScenarioException;
import io.sipfleet.simulator.scenario.ScenarioParser;
import io.sipfleet.simulator.scenario.run.Reports;
import io.sipfleet.simulator.scenario.run.RunReport;
import io.sipfleet.simulator.scenario.run.ScenarioRunner;
import io.sipfleet.simulator.scenario.run.TextSummary;
import io.sipfleet.simulator.scenario.run.Verdict;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code java -jar quarkus-run.jar run SCENARIO [options]}: the scenario runner from a CI job (issue 11). Starts the
 * plain-Java {@link Simulator} embedded (no Quarkus: no HTTP server, no MQTT broker; its SIP ports free ones on
 * loopback, so it runs beside a service), runs the scenario, writes the reports (JUnit XML, JSON journal, summary)
 * into {@code --reports}, prints the summary on stdout and the run's progress on stderr, and exits with the verdict:
 * 0 passed, 1 failed, 2 aborted or error, 3 nothing ran (an invalid scenario: every problem with its field, line and
 * column on stderr; or a command line that cannot be run). Ctrl-C or SIGTERM aborts the run with its rollbacks
 * ({@link SignalGuard}).
 */
@Command(name = "run", sortOptions = false, usageHelpAutoWidth = true,
        exitCodeOnInvalidInput = Verdict.INVALID_EXIT_CODE, exitCodeOnExecutionException = 2,
        description = {"Runs one scenario file against a simulator started in this process, writes its reports and "
                + "exits with its verdict. Nothing else listens: no HTTP, no MQTT; the phones' SIP stack and the "
                + "built-in servers take free ports (127.0.0.1, 127.0.0.2, 127.0.0.3)."},
        footer = {"", "Exit codes: 0 passed, 1 failed, 2 aborted (Ctrl-C, SIGTERM, the scenario's timeout) or error, "
                + "3 nothing ran (an invalid scenario, named by line and field on stderr; a bad option).",
                "Reports: DIR/TEST-{name}.xml (JUnit), DIR/{name}.journal.json, DIR/{name}.summary.txt."})
final class RunCommand implements Callable<Integer> {

    /** What {@code --help} says before the run command's own usage. */
    @Command(name = "java -jar quarkus-run.jar", subcommands = {RunCommand.class, CommandLine.HelpCommand.class},
            mixinStandardHelpOptions = false, exitCodeOnInvalidInput = Verdict.INVALID_EXIT_CODE,
            description = {"sipfleet: simulated SIP desk phones that fail over between a primary and a backup server.",
                    "",
                    "Without arguments: starts the service (REST and dashboards on http://127.0.0.1:8080, MQTT on "
                            + "127.0.0.1:1883, built-in SIP servers on 127.0.0.2:5060 and 127.0.0.3:5060, a demo "
                            + "fleet), configured by application.properties and SIPFLEET_* environment variables.",
                    "",
                    "With 'run SCENARIO': runs one scenario and exits with its verdict (java -jar quarkus-run.jar "
                            + "run --help)."})
    static final class Top implements Runnable {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "this help")
        boolean help;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "a scenario file (YAML or JSON), or the name of "
            + "one of the library's shipped in the jar (register-failover-silent-v3, failback-v3, ...)")
    String scenario;

    @Option(names = "--server", paramLabel = "ROLE=HOST:PORT", description = "replaces one server of the scenario: "
            + "primary=HOST:PORT or backup=HOST:PORT (your own pair, e.g. Kamailio); primary=builtin for the "
            + "built-in one; repeatable")
    List<String> servers = new ArrayList<>();

    @Option(names = "--reports", paramLabel = "DIR", defaultValue = "sipfleet-reports",
            description = "where the reports go (made when missing; default: ${DEFAULT-VALUE})")
    Path reports;

    @Option(names = "--t1", paramLabel = "DURATION", defaultValue = "500ms", description = "RFC 3261 T1 of every "
            + "phone, and what 15T1 in the file means (default ${DEFAULT-VALUE}; 50ms runs the §5 budgets 10x "
            + "faster)")
    String t1;

    @Option(names = "--sip-bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1", description = "address the "
            + "phones' SIP stack binds (an address that reaches your servers; default ${DEFAULT-VALUE})")
    String sipBind;

    @Option(names = "--sip-port", paramLabel = "PORT", defaultValue = "0", description = "the phones' SIP port "
            + "(UDP and TCP; TLS on the next one); 0: a free one (default)")
    int sipPort;

    @Option(names = "--no-warm-up", description = "skip the warm-up at start (the failover paths run once on a "
            + "private server pair, about 2 s; without it the first failovers may come milliseconds late)")
    boolean noWarmUp;

    @Option(names = {"-q", "--quiet"}, description = "no progress lines on stderr")
    boolean quiet;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "this help")
    boolean help;

    private final PrintStream out;
    private final PrintStream err;

    RunCommand() {
        this(System.out, System.err);
    }

    RunCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Whether the arguments ask for the command line rather than the service. */
    static boolean isCommandLine(String[] args) {
        if (args == null || args.length == 0) {
            return false;
        }
        return switch (args[0]) {
            case "run", "help", "-h", "--help" -> true;
            default -> false;
        };
    }

    /** Parses the arguments and carries them out; the process's exit code. */
    static int execute(String... args) {
        CommandLine cl = new CommandLine(new Top());
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("sipfleet run: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 2;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() {
        CliLogging.configure(err, quiet);
        Duration runT1;
        try {
            runT1 = t1(t1);
        } catch (IllegalArgumentException e) {
            return invalid("--t1: " + e.getMessage());
        }
        Scenario s;
        try {
            s = load(scenario, new ScenarioParser(FaultTypes.standard(), runT1));
        } catch (ScenarioException e) {
            return invalid(e.getMessage());
        } catch (IllegalArgumentException | UncheckedIOException e) {
            return invalid(e.getMessage());
        }
        try {
            for (String o : servers) {
                s = s.withServer(Scenario.ServerDef.parseOverride(o));
            }
        } catch (IllegalArgumentException e) {
            return invalid(e.getMessage());
        }
        if (sipPort < 0 || sipPort > 65534) {
            return invalid("--sip-port: 0 (a free port) or 1..65534, got " + sipPort);
        }
        return run(s, runT1);
    }

    private int run(Scenario s, Duration runT1) {
        ScenarioRunner.Listener progress = quiet ? ScenarioRunner.Listener.NONE : new ProgressPrinter(err);
        // clock: virtual runs in a world of its own: no simulator, no socket, no warm-up
        boolean virtual = s.clock() == Scenario.ClockMode.VIRTUAL;
        Simulator sim = null;
        if (!virtual) {
            try {
                sim = Simulator.start(settings(s, runT1), List.of());
            } catch (Exception e) {
                err.println("sipfleet run: cannot start the simulator: " + e.getMessage());
                return Verdict.ERROR.exitCode();
            }
            settle(sim);
        }
        ScenarioRunner runner;
        try {
            runner = virtual ? ScenarioRunner.virtual(s, progress) : new ScenarioRunner(sim, s, progress);
        } catch (IllegalArgumentException e) {
            if (sim != null) {
                sim.close();
            }
            return invalid(e.getMessage());
        }
        int code = Verdict.ERROR.exitCode();
        try (SignalGuard guard = new SignalGuard(runner, err)) {
            try {
                RunReport report = runner.run();
                code = report.verdict().exitCode();
                List<Path> files = Reports.write(report, reports);
                out.print(TextSummary.of(report));
                out.println("reports: " + String.join(", ", files.stream().map(Path::toString).toList()));
                out.flush();
            } catch (UncheckedIOException e) {
                err.println("sipfleet run: cannot write the reports into " + reports + ": " + e.getMessage());
                code = Verdict.ERROR.exitCode();
            } finally {
                if (sim != null) {
                    sim.close();
                }
                guard.finished(code);
            }
        }
        return code;
    }

    /**
     * Waits (at most {@link #SETTLE}) until the simulator is not overloaded: a fresh JVM lags while it starts
     * (class loading, the JIT, the warm-up's garbage), and a run judged from then would blame that lag on its
     * {@code overloaded} threshold and mark its first events. The service's runs start long after its start.
     */
    private void settle(Simulator sim) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        boolean said = false;
        while (sim.overload().overloaded() && System.nanoTime() - deadline < 0) {
            if (!said && !quiet) {
                err.println("[sipfleet] waiting until the simulator is no longer overloaded (its own start-up), at "
                        + "most " + SETTLE.toSeconds() + " s");
                said = true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
        if (sim.overload().overloaded()) {
            err.println("[sipfleet] the simulator is still overloaded after " + SETTLE.toSeconds() + " s; running "
                    + "anyway (its events are marked overloaded)");
        }
    }

    /** How long a run waits for the simulator to settle after its start. */
    static final Duration SETTLE = Duration.ofSeconds(10);

    /** The simulator of one run: free ports, the built-in servers only when the scenario uses them, no demo fleet. */
    private SimulatorSettings settings(Scenario s, Duration runT1) {
        boolean tls = s.fleets().stream().anyMatch(f -> f.line().usesTls());
        boolean builtin = s.servers().all().stream().anyMatch(Scenario.ServerDef::builtin);
        int phones = sipPort == 0 ? FreePorts.sipPair(sipBind) : sipPort;
        var servers = builtin
                ? new SimulatorSettings.BuiltinServers(true, "127.0.0.2", FreePorts.sipPair("127.0.0.2"), "127.0.0.3",
                FreePorts.sipPair("127.0.0.3"))
                : SimulatorSettings.BuiltinServers.off();
        return SimulatorSettings.defaults()
                .withSip(new SimulatorSettings.Sip(runT1, sipBind, phones, 4,
                        tls ? SimulatorSettings.Tls.generated() : SimulatorSettings.Tls.off()))
                .withBuiltinServers(servers)
                .withDemoFleet(SimulatorSettings.DemoFleet.off())
                .withWarmUp(new SimulatorSettings.WarmUp(!noWarmUp))
                .withSeed(s.seed());
    }

    /** A file, else a scenario of the library shipped in the jar. */
    private static Scenario load(String name, ScenarioParser parser) {
        Path file = Path.of(name);
        if (Files.isRegularFile(file)) {
            return parser.parse(file);
        }
        String res = ScenarioParser.LIBRARY_RESOURCE_DIR + (name.endsWith(".yaml") ? name : name + ".yaml");
        if (!name.contains("/") && ScenarioParser.class.getResource(res) != null) {
            return parser.parseResource(name);
        }
        throw new IllegalArgumentException("no scenario file '" + name + "' (nor a scenario of that name in the "
                + "library: see scenarios/ in the repository)");
    }

    static Duration t1(String text) {
        if (text.endsWith("T1")) {
            throw new IllegalArgumentException("T1 itself is a duration such as 500ms or 50ms, got '" + text + "'");
        }
        Duration d = Durations.parse(text);
        if (d.isZero() || d.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("T1 must be 1ms..10s, got '" + text + "'");
        }
        return d;
    }

    private int invalid(String message) {
        err.println(message);
        err.println("nothing ran (exit code " + Verdict.INVALID_EXIT_CODE + ")");
        err.flush();
        return Verdict.INVALID_EXIT_CODE;
    }
}

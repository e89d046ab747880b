package io.sipfleet.api.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The packaged application's entry point ({@code java -jar quarkus-run.jar}). Without arguments it starts the service
 * as always (REST, MQTT, the built-in servers, the demo fleet). {@code run SCENARIO [options]} runs one scenario file
 * and exits with its verdict ({@link RunCommand}); {@code --help} says both. Run mode never starts Quarkus: no HTTP
 * server, no MQTT broker, nothing listening beside the simulator's own SIP ports (free ones), so it runs beside a
 * service already on 8080/1883/5060.
 */
@QuarkusMain
public final class Main {
    private Main() {
    }

    public static void main(String... args) {
        if (RunCommand.isCommandLine(args)) {
            System.exit(RunCommand.execute(args));
        }
        Quarkus.run(args);
    }
}

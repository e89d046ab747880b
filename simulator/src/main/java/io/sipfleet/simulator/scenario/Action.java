package io.sipfleet.simulator.scenario;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a step (or a rollback) does. Each kind is one shape of the file, told apart by its verb key:
 * {@code server}, {@code fault}, {@code removeFault}, {@code hook}, {@code keys}, {@code register}, {@code wait}.
 */
public sealed interface Action {

    /** The verb key of the file ({@code server}, {@code fault}, ...). */
    String verb();

    /** Server availability, as {@code PUT /api/servers/{name}/availability}. @param server a role */
    record SetAvailability(String server, String mode) implements Action {
        public static final List<String> MODES = List.of("up", "503", "500", "silent", "down");

        public String verb() { return "server"; }
    }

    /** Adds a fault, with the fields of {@code POST /api/faults}. */
    record AddFault(FaultDef fault) implements Action {
        public String verb() { return "fault"; }
    }

    /** Removes a fault added by an earlier step, by its name. */
    record RemoveFault(String name) implements Action {
        public String verb() { return "removeFault"; }
    }

    /** Off-hook or on-hook. @param state {@code off} or {@code on} */
    record Hook(Target target, String state) implements Action {
        public String verb() { return "hook"; }
    }

    /** Key presses, each a key name of behaviour.md §11 ({@code 1}, {@code #}, {@code SEND}, {@code LINE2}). */
    record Keys(Target target, List<String> keys) implements Action {
        public Keys {
            keys = List.copyOf(keys);
        }

        public String verb() { return "keys"; }
    }

    /** A manual registration of a line (§6). */
    record Register(Target target, int line) implements Action {
        public String verb() { return "register"; }
    }

    /** Does nothing for a while (the step goes on after it). */
    record Wait(Duration duration) implements Action {
        public String verb() { return "wait"; }
    }

    /** One phone ({@code {fleet}-{i}}) or every phone of one fleet: exactly one is set. */
    record Target(String phone, String fleet) {
        public static Target phone(String id) {
            return new Target(id, null);
        }

        public static Target fleet(String name) {
            return new Target(null, name);
        }
    }

    /**
     * A fault as {@code POST /api/faults} takes it (README, Network faults).
     *
     * @param name   unique in the scenario; a {@link RemoveFault} refers to it; null: only removed by the end
     * @param target a server role or {@code host:port}; null: every server
     * @param phones {@code "all"} or one of {@code {fleet}}, {@code {ids}}, {@code {model}}, {@code {sample, seed}},
     *               as plain maps and lists; null: all
     */
    record FaultDef(String name, String type, String target, Object phones, List<String> methods, String direction,
                    Double probability, Map<String, Object> params, Double startDelaySeconds,
                    Double durationSeconds) {
        public FaultDef {
            methods = methods == null ? null : List.copyOf(methods);
            params = params == null ? null : Map.copyOf(params);
        }
    }
}

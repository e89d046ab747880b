package io.sipfleet.simulator.builtin;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JAIN-SIP instantiates message valves and parser factories by class name, one per stack: they
 * find their server here by the stack's (unique) name.
 */
final class Hooks {
    private static final Map<String, BuiltinServer> BY_STACK = new ConcurrentHashMap<>();

    private Hooks() {}

    static void register(String stackName, BuiltinServer server) {
        BY_STACK.put(stackName, server);
    }

    static void unregister(String stackName) {
        BY_STACK.remove(stackName);
    }

    static BuiltinServer server(String stackName) {
        return stackName == null ? null : BY_STACK.get(stackName);
    }
}

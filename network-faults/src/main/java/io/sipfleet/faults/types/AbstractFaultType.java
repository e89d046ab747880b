package io.sipfleet.faults.types;

import io.sipfleet.faults.Direction;
import io.sipfleet.faults.FaultType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Name, description, parameters and default direction of a standard type; subclasses make the behaviour. */
abstract class AbstractFaultType implements FaultType {
    private final String name;
    private final String description;
    private final Map<String, String> parameters;
    private final Direction defaultDirection;

    /** @param parameters name, meaning, name, meaning, ... (in the order docs should list them) */
    AbstractFaultType(String name, String description, Direction defaultDirection, String... parameters) {
        this.name = name;
        this.description = description;
        this.defaultDirection = defaultDirection;
        Map<String, String> p = new LinkedHashMap<>();
        for (int i = 0; i < parameters.length; i += 2) {
            p.put(parameters[i], parameters[i + 1]);
        }
        this.parameters = Collections.unmodifiableMap(p);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final Map<String, String> parameters() {
        return parameters;
    }

    @Override
    public final Direction defaultDirection() {
        return defaultDirection;
    }

    /** Reads the params this type takes (refusing others). */
    final Params read(Map<String, Object> params) {
        return Params.read(name, params, parameters);
    }

    @Override
    public String toString() {
        return name;
    }
}

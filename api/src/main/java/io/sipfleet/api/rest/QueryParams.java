package io.sipfleet.api.rest;

import io.sipfleet.device.InvalidInputException;

/**
 * Query parameters read by hand: JAX-RS answers a parameter it cannot convert with a bare 404; the
 * API answers 400 naming it.
 */
final class QueryParams {
    private QueryParams() {}

    static int integer(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(name, name + " is a whole number; got '" + value + "'");
        }
    }

    static long longValue(String name, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(name, name + " is a whole number (ms); got '" + value + "'");
        }
    }

    /** true or false, nothing else. */
    static boolean bool(String name, String value) {
        String v = value.trim();
        if ("true".equalsIgnoreCase(v)) {
            return true;
        }
        if ("false".equalsIgnoreCase(v)) {
            return false;
        }
        throw new InvalidInputException(name, name + " is true or false; got '" + value + "'");
    }
}

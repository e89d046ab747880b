package io.sipfleet.api.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.sipfleet.api.Problem;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.simulator.fleet.FleetNameTakenException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one error catalogue (architecture.md habit 8): domain exceptions carry no HTTP codes; they
 * become RFC 9457 problems here, with the offending field named.
 */
public class ErrorMappers {

    @ServerExceptionMapper
    public Response invalid(InvalidInputException e) {
        return Problem.badRequest(e.field(), e.getMessage()).toResponse();
    }

    @ServerExceptionMapper
    public Response invalidFault(io.sipfleet.faults.InvalidFaultException e) {
        return Problem.badRequest(e.field(), e.getMessage()).toResponse();
    }

    @ServerExceptionMapper
    public Response notFound(NotFound e) {
        return Problem.notFound(e.getMessage()).toResponse();
    }

    @ServerExceptionMapper
    public Response faultNameTaken(io.sipfleet.faults.FaultNameTakenException e) {
        return Problem.conflict(e.getMessage()).toResponse();
    }

    @ServerExceptionMapper
    public Response nameTaken(io.sipfleet.api.runtime.NameTaken e) {
        return Problem.conflict(e.getMessage()).toResponse();
    }

    @ServerExceptionMapper
    public Response taken(FleetNameTakenException e) {
        return Problem.conflict(e.getMessage()).toResponse();
    }

    // Quarkus maps these two itself; the most specific mapper wins, so they are named here
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response parse(JsonParseException e) {
        return json(e);
    }

    /** The JSON reader wraps a parse error in a 400 WebApplicationException; any other keeps its status. */
    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException j) {
            return json(j);
        }
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        return new Problem("about:blank", Response.Status.fromStatusCode(status) == null ? "Error"
                : Response.Status.fromStatusCode(status).getReasonPhrase(), status, e.getMessage()).toResponse();
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            String field = path(u);
            return Problem.badRequest(field, "unknown field '" + field + "'; known fields: "
                    + u.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", "))).toResponse();
        }
        if (e instanceof InvalidFormatException f) {
            String field = path(f);
            return Problem.badRequest(field, "'" + field + "' has the wrong type or format: got "
                    + f.getValue() + ", expected " + simple(f.getTargetType())).toResponse();
        }
        if (e instanceof MismatchedInputException m && String.valueOf(m.getOriginalMessage()).startsWith("Trailing token")) {
            return Problem.badRequest(null, "there is content after the JSON body: send one JSON value")
                    .toResponse();
        }
        if (e instanceof MismatchedInputException m) {
            String field = path(m);
            return Problem.badRequest(field.isEmpty() ? null : field, (field.isEmpty() ? "the body" : "'" + field + "'")
                    + " has the wrong type: expected " + simple(m.getTargetType())).toResponse();
        }
        if (e instanceof com.fasterxml.jackson.core.exc.InputCoercionException c) {
            String field = currentField(c);
            return Problem.badRequest(field, (field == null ? "a number" : "'" + field + "'")
                    + " is out of range: " + c.getOriginalMessage()).toResponse();
        }
        if (e instanceof JsonMappingException jm && !path(jm).isEmpty()) {
            String field = path(jm);
            return Problem.badRequest(field, "'" + field + "' cannot be read: " + jm.getOriginalMessage()).toResponse();
        }
        if (e instanceof JsonParseException p) {
            return Problem.badRequest(null, "malformed JSON at line " + p.getLocation().getLineNr() + ", column "
                    + p.getLocation().getColumnNr() + ": " + p.getOriginalMessage()).toResponse();
        }
        return Problem.badRequest(null, "unreadable JSON: " + e.getOriginalMessage()).toResponse();
    }

    /** The field a parser was reading when it failed (a.b[2].c), or null. */
    private static String currentField(com.fasterxml.jackson.core.exc.StreamReadException e) {
        com.fasterxml.jackson.core.JsonParser p = e.getProcessor();
        if (p == null) {
            return null;
        }
        java.util.Deque<String> parts = new java.util.ArrayDeque<>();
        for (com.fasterxml.jackson.core.JsonStreamContext c = p.getParsingContext(); c != null && !c.inRoot();
             c = c.getParent()) {
            if (c.inObject() && c.getCurrentName() != null) {
                parts.addFirst(c.getCurrentName());
            } else if (c.inArray()) {
                parts.addFirst("[" + Math.max(0, c.getCurrentIndex()) + "]");
            }
        }
        String f = String.join(".", parts).replace(".[", "[");
        return f.isEmpty() ? null : f;
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String simple(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != boolean.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        return "an object";
    }
}

package io.sipfleet.api.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.sipfleet.api.JsonErrors;
import io.sipfleet.api.Problem;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.simulator.fleet.FleetNameTakenException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
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

    /** A key, hook, register or line command for a phone only observed behind a relay. */
    @ServerExceptionMapper
    public Response observedOnly(ObservedOnly e) {
        return Problem.conflict(e.getMessage()).toResponse();
    }

    @ServerExceptionMapper
    public Response faultNameTaken(io.sipfleet.faults.FaultNameTakenException e) {
        return Problem.conflict(e.getMessage()).toResponse();
    }

    @ServerExceptionMapper
    public Response nameTaken(io.sipfleet.simulator.NameTakenException e) {
        return Problem.conflict(e.getMessage()).toResponse();
    }

    /** A phone's shard did not get to the request in time: the simulator is behind its own work. */
    @ServerExceptionMapper
    public Response busy(io.sipfleet.simulator.fleet.PhoneBusyException e) {
        return Response.fromResponse(new Problem("about:blank", "Service Unavailable", 503, e.getMessage())
                .toResponse()).header("Retry-After", "1").build();
    }

    /** A fleet beyond what this instance can carry, refused because capacity is enforced: 422, nothing created. */
    @ServerExceptionMapper
    public Response capacity(io.sipfleet.simulator.fleet.CapacityExceededException e) {
        return Response.status(422).type(Problem.MEDIA_TYPE).entity(java.util.Map.of("type", "about:blank",
                "title", "Unprocessable Content", "status", 422, "detail", e.getMessage(), "field", "count",
                "projectedPerSecond", Math.round(e.projectedPerSecond()),
                "capacityPerSecond", Math.round(e.capacityPerSecond()))).build();
    }

    /** An invalid scenario file (POST /api/runs): every problem with its field, line and column; nothing ran. */
    @ServerExceptionMapper
    public Response invalidScenario(io.sipfleet.simulator.scenario.ScenarioException e) {
        var problems = e.problems().stream().map(p -> {
            var m = new java.util.LinkedHashMap<String, Object>();
            m.put("field", p.path());
            m.put("line", p.line());
            m.put("column", p.column());
            m.put("message", p.message());
            return m;
        }).toList();
        var body = new java.util.LinkedHashMap<String, Object>();
        body.put("type", "about:blank");
        body.put("title", "Bad Request");
        body.put("status", 400);
        body.put("detail", e.getMessage());
        if (!e.problems().isEmpty()) {
            body.put("field", e.problems().get(0).path());
        }
        body.put("problems", problems);
        return Response.status(400).type(Problem.MEDIA_TYPE).entity(body).build();
    }

    /** A run asked for while another is going: one at a time. */
    @ServerExceptionMapper
    public Response runGoing(io.sipfleet.simulator.scenario.run.RunConflictException e) {
        return Problem.conflict(e.getMessage()).toResponse();
    }

    @ServerExceptionMapper
    public Response runNotFinished(RunsResource.RunNotFinished e) {
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
        JsonErrors.Described d = JsonErrors.describe(e, "the body");
        return Problem.badRequest(d.field(), d.detail()).toResponse();
    }
}

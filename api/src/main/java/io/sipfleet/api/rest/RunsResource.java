package io.sipfleet.api.rest;

import io.sipfleet.device.InvalidInputException;
import io.sipfleet.faults.FaultTypes;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.scenario.Scenario;
import io.sipfleet.simulator.scenario.ScenarioParser;
import io.sipfleet.simulator.scenario.run.JUnitXmlReport;
import io.sipfleet.simulator.scenario.run.JsonJournal;
import io.sipfleet.simulator.scenario.run.Run;
import io.sipfleet.simulator.scenario.run.RunReport;
import io.sipfleet.simulator.scenario.run.Runs;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

/**
 * Scenario runs (issue 11, the runner's REST way in): {@code POST} a scenario file (YAML or JSON) to start it on a
 * thread of its own, follow it with {@code GET}, abort it with {@code DELETE} (its rollbacks run), fetch its JUnit
 * XML and JSON journal once it has finished. One run at a time ({@link Runs}): a second {@code POST} while one is
 * going is a 409 naming it. An invalid file is a 400 listing every problem with its field, line and column.
 */
@Path("/api/runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunsResource {
    /** The media types a scenario is posted as. */
    static final String YAML = "application/yaml";

    private final Simulator simulator;
    private final Runs runs;

    RunsResource(Simulator simulator, Runs runs) {
        this.simulator = simulator;
        this.runs = runs;
    }

    /**
     * @param servers {@code primary=HOST:PORT} / {@code backup=HOST:PORT} (repeat): the command line's {@code --server}
     */
    @POST
    @Consumes({YAML, "application/x-yaml", "text/yaml", MediaType.APPLICATION_JSON})
    public Response start(String body, @QueryParam("server") List<String> servers) {
        Scenario s = new ScenarioParser(FaultTypes.standard(), simulator.settings().sip().t1())
                .parse(body, "the request body");
        for (String o : servers == null ? List.<String>of() : servers) {
            try {
                s = s.withServer(Scenario.ServerDef.parseOverride(o));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("server", e.getMessage().replace("--server", "server"));
            }
        }
        Run run;
        try {
            run = runs.start(s);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("clock", e.getMessage());
        }
        return Response.created(URI.create("/api/runs/" + run.id())).entity(RunJson.of(run)).build();
    }

    @GET
    public List<RunJson.Summary> list() {
        return runs.list().stream().map(RunJson.Summary::of).toList();
    }

    @GET
    @Path("{id}")
    public RunJson get(@PathParam("id") String id) {
        return RunJson.of(find(id));
    }

    @GET
    @Path("{id}/junit")
    @Produces(MediaType.APPLICATION_XML)
    public String junit(@PathParam("id") String id) {
        return JUnitXmlReport.toXml(report(id));
    }

    @GET
    @Path("{id}/journal")
    public String journal(@PathParam("id") String id) {
        return JsonJournal.toString(report(id));
    }

    /** A run going: aborted (202; its rollbacks and clean-up run, then it is finished, aborted). A finished run: forgotten (204). */
    @DELETE
    @Path("{id}")
    public Response delete(@PathParam("id") String id) {
        Run run = find(id);
        if (!run.finished()) {
            run.abort("aborted by DELETE /api/runs/" + id);
            return Response.accepted(RunJson.of(run)).build();
        }
        runs.forget(id);
        return Response.noContent().build();
    }

    private Run find(String id) {
        return runs.get(id).orElseThrow(() -> new NotFound("no run '" + id + "' (GET /api/runs lists the last "
                + Runs.DEFAULT_KEEP + " finished ones and the one going)"));
    }

    private RunReport report(String id) {
        Run run = find(id);
        return run.report().orElseThrow(() -> new RunNotFinished("run " + id + " has not finished ("
                + run.progress().state().wireName() + "): its reports are there once it has"));
    }

    /** Reports asked for before the run finished (409). */
    public static final class RunNotFinished extends RuntimeException {
        RunNotFinished(String message) {
            super(message);
        }
    }
}

package io.sipfleet.api.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipfleet.simulator.Reset;
import io.sipfleet.simulator.Simulator;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * POST /api/reset: a clean slate between test cases: every fault and relay removed, every built-in
 * server up and every fleet deleted (its phones unregistered first). {@code keepFleets=true}, as a
 * query parameter or in a JSON body {@code {"keepFleets":true}}, keeps the fleets.
 */
@Path("/api/reset")
@Produces(MediaType.APPLICATION_JSON)
public class ResetResource {
    private final Simulator simulator;
    private final ObjectMapper json;

    ResetResource(Simulator simulator, ObjectMapper json) {
        this.simulator = simulator;
        this.json = json;
    }

    /** The optional body. */
    public record ResetRequest(Boolean keepFleets) {}

    @POST
    @Consumes(MediaType.WILDCARD) // a bare POST, or a JSON body
    public Reset reset(@QueryParam("keepFleets") @DefaultValue("false") String keepFleetsParam,
                                        String body) throws com.fasterxml.jackson.core.JsonProcessingException {
        boolean keepFleets = QueryParams.bool("keepFleets", keepFleetsParam);
        if (body != null && !body.isBlank()) {
            ResetRequest r = json.readValue(body, ResetRequest.class); // a bad body: 400 naming the field
            if (r.keepFleets() != null) {
                keepFleets = r.keepFleets();
            }
        }
        return simulator.reset(keepFleets);
    }
}

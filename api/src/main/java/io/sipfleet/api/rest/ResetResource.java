package io.sipfleet.api.rest;

import io.sipfleet.api.runtime.SimulatorRuntime;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * POST /api/reset: a clean slate between test cases: every fault removed, every built-in server up and
 * every fleet deleted (its phones unregistered first; {@code ?keepFleets=true} keeps them).
 */
@Path("/api/reset")
@Produces(MediaType.APPLICATION_JSON)
public class ResetResource {
    private final SimulatorRuntime runtime;

    ResetResource(SimulatorRuntime runtime) {
        this.runtime = runtime;
    }

    @POST
    public SimulatorRuntime.Reset reset(@QueryParam("keepFleets") boolean keepFleets) {
        return runtime.reset(keepFleets);
    }
}

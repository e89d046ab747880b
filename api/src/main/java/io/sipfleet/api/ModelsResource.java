package io.sipfleet.api;

import io.sipfleet.device.FirmwareProfile;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/** The firmware models the simulator knows (V2, V3, ...), straight from the device model's data. */
@Path("/api/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    /** Every known model, in name order. */
    @GET
    public List<ModelView> list() {
        return FirmwareProfile.all().stream().map(ModelView::of).toList();
    }

    /** One model by name (case-insensitive), or a 404 problem naming the unknown model. */
    @GET
    @Path("/{name}")
    @Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
    public Response get(@PathParam("name") String name) {
        return FirmwareProfile.byName(name)
                .map(profile -> Response.ok(ModelView.of(profile), MediaType.APPLICATION_JSON_TYPE).build())
                .orElseGet(() -> Problem.notFound("Unknown model '" + name + "'. Known models: "
                        + String.join(", ", FirmwareProfile.all().stream().map(FirmwareProfile::name).toList())
                        + ".").toResponse());
    }
}

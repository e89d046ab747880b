package io.sipfleet.api.stream;

import io.sipfleet.simulator.stream.StreamFilter;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/**
 * The live stream (README "Live stream"): Server-Sent Events of the phones' events ({@code phone-event}),
 * a summary every second ({@code summary}) and what a slow client lost ({@code dropped}).
 */
@Path("/api/stream")
public class StreamResource {
    private final LiveStream hub;

    StreamResource(LiveStream hub) {
        this.hub = hub;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @NonBlocking
    @Operation(summary = "Live stream of phone events and fleet summaries (Server-Sent Events)",
            description = "event: phone-event, data: one event as GET /api/phones/{id}/events gives it, with \"phone\" "
                    + "and \"seq\" (this stream's number: a gap is what was dropped); event: summary, every second "
                    + "and at once on connecting: {at, fleets (as GET /api/fleets), servers, overloaded, "
                    + "overloadedSince, totals}; event: dropped: {dropped, total} when this client read too slowly "
                    + "and lost its oldest events (sipfleet.stream.queue-size). Filters apply to phone events.")
    public void stream(@Parameter(description = "only these fleets' phones (repeat, or a comma list)")
                       @QueryParam("fleet") List<String> fleet,
                       @Parameter(description = "only these phones (repeat, or a comma list); with fleet: either")
                       @QueryParam("phone") List<String> phone,
                       @jakarta.ws.rs.core.Context SseEventSink sink, @jakarta.ws.rs.core.Context Sse sse) {
        Context context = Vertx.currentContext();
        StreamFilter filter = new StreamFilter(split(fleet), split(phone));
        hub.subscribe(filter, s -> new StreamPump(s, sink, sse, context, hub.json(), hub::closed));
    }

    private static Set<String> split(List<String> values) {
        Set<String> out = new LinkedHashSet<>();
        if (values != null) {
            for (String v : values) {
                Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).forEach(out::add);
            }
        }
        return out;
    }
}

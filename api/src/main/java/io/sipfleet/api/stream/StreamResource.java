package io.sipfleet.api.stream;

import io.sipfleet.device.InvalidInputException;
import io.sipfleet.simulator.stream.StreamFilter;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/**
 * The live stream (README "Live stream"): Server-Sent Events of the phones' events ({@code phone-event}),
 * a summary every second ({@code summary}) and what a slow client lost ({@code dropped}); with
 * {@code events=none} the summaries alone.
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
                    + "and lost its oldest events (queue, at most sipfleet.stream.queue-size). Filters apply to phone events; "
                    + "events=none: the summaries alone, no phone event (what a dashboard of the fleet needs).")
    public void stream(@Parameter(description = "only these fleets' phones (repeat, or a comma list)")
                       @QueryParam("fleet") List<String> fleet,
                       @Parameter(description = "only these phones (repeat, or a comma list); with fleet: either")
                       @QueryParam("phone") List<String> phone,
                       @Parameter(description = "all (the default): phone events as fleet and phone pass them; "
                               + "none: no phone event, the summaries only (then without fleet and phone)")
                       @QueryParam("events") String events,
                       @Parameter(description = "events that may wait for this client before its oldest are dropped: "
                               + "1 to sipfleet.stream.queue-size (10,000), which is also the default")
                       @QueryParam("queue") String queue,
                       @jakarta.ws.rs.core.Context SseEventSink sink,
                       @jakarta.ws.rs.core.Context HttpServerResponse response) {
        StreamFilter filter = filter(split(fleet), split(phone), events);
        Context context = Vertx.currentContext();
        int capacity = capacity(queue, hub.queueSize());
        hub.subscribe(filter, capacity, s -> new StreamPump(s, sink, response, context, hub.json(), hub::closed));
    }

    /** This client's queue: {@code max} unless it asks for fewer; 400 (naming {@code queue}) outside 1..max. */
    static int capacity(String queue, int max) {
        if (queue == null || queue.isBlank()) {
            return max;
        }
        int n;
        try {
            n = Integer.parseInt(queue.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("queue", "queue is a whole number; got '" + queue + "'");
        }
        if (n < 1 || n > max) {
            throw new InvalidInputException("queue", "queue is 1 to " + max + " (sipfleet.stream.queue-size); got " + n);
        }
        return n;
    }

    /** The filter of a request; 400 (naming {@code events}) for a value other than all or none, or none with filters. */
    static StreamFilter filter(Set<String> fleets, Set<String> phones, String events) {
        String e = events == null ? "all" : events.trim();
        if ("all".equals(e) || e.isEmpty()) {
            return new StreamFilter(fleets, phones);
        }
        if (!"none".equals(e)) {
            throw new InvalidInputException("events", "events is all or none; got '" + events + "'");
        }
        if (!fleets.isEmpty() || !phones.isEmpty()) {
            throw new InvalidInputException("events", "events=none carries no phone event: leave out fleet and phone");
        }
        return StreamFilter.SUMMARIES_ONLY;
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

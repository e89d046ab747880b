package io.sipfleet.api.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipfleet.api.rest.EventJson;
import io.sipfleet.simulator.stream.StreamSubscription;
import io.vertx.core.Context;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Writes one client's stream, one SSE event at a time, on the connection's own Vert.x context: the next
 * event goes when the previous one has been written to the socket. A client that stops reading stops its
 * own writes there, while its queue drops its oldest events; nothing else waits for it. Order of what is
 * waiting: the newest summary, then the count of events lost, then the phone events in order.
 */
final class StreamPump {
    /** Makes the pump of a new subscription. */
    interface Factory {
        StreamPump make(StreamSubscription s);
    }

    private final StreamSubscription subscription;
    private final SseEventSink sink;
    private final Sse sse;
    private final Context context;
    private final ObjectMapper json;
    private final Consumer<StreamPump> onClose;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** A write not yet on the socket (touched on the context only). */
    private boolean writing;
    private volatile boolean closed;

    StreamPump(StreamSubscription subscription, SseEventSink sink, Sse sse, Context context, ObjectMapper json,
               Consumer<StreamPump> onClose) {
        this.subscription = subscription;
        this.sink = sink;
        this.sse = sse;
        this.context = context;
        this.json = json;
        this.onClose = onClose;
    }

    StreamSubscription subscription() {
        return subscription;
    }

    boolean sinkClosed() {
        return closed || sink.isClosed();
    }

    /** Something waits (called on the event thread or the summary thread): the context takes it from here. */
    void wake() {
        if (!closed && scheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> {
                scheduled.set(false);
                pump();
            });
        }
    }

    private void pump() {
        if (writing || closed) {
            return;
        }
        if (sink.isClosed()) {
            close();
            return;
        }
        OutboundSseEvent e = next();
        if (e == null) {
            return;
        }
        writing = true;
        try {
            sink.send(e).whenComplete((v, err) -> context.runOnContext(x -> {
                writing = false;
                if (err != null) {
                    close();
                } else {
                    pump();
                }
            }));
        } catch (IllegalStateException gone) {
            writing = false;
            close();
        }
    }

    private OutboundSseEvent next() {
        Object summary = subscription.takeSummary();
        if (summary != null) {
            return event("summary", (String) summary);
        }
        long[] dropped = subscription.takeDropped();
        if (dropped != null) {
            return event("dropped", "{\"dropped\":" + dropped[0] + ",\"total\":" + dropped[1] + "}");
        }
        StreamSubscription.Numbered n = subscription.poll();
        if (n == null) {
            return null;
        }
        Map<String, Object> m = EventJson.of(n.event());
        m.put("seq", n.seq());
        try {
            return event("phone-event", json.writeValueAsString(m));
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }

    private OutboundSseEvent event(String name, String data) {
        return sse.newEventBuilder().name(name).data(String.class, data).build();
    }

    private void close() {
        if (!closed) {
            closed = true;
            onClose.accept(this);
            try {
                sink.close();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
    }
}

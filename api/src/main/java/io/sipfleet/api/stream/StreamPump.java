package io.sipfleet.api.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipfleet.api.rest.EventJson;
import io.sipfleet.simulator.stream.StreamSubscription;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.sse.SseEventSink;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Writes one client's stream on the connection's own Vert.x context, as many SSE events in one write as are
 * waiting (up to {@link #BATCH_BYTES}): the next write goes when the previous one is on the socket. A client that
 * stops reading stops its own writes there, while its queue drops its oldest events; nothing else waits for it, and
 * at most one batch of its events waits in the server. Order of what is waiting: the newest summary, then the count
 * of events lost, then the phone events in order.
 *
 * <p>Why whole batches and not {@link SseEventSink#send} per event: one write (a flush, a system call and a
 * completion) per event held a fast client to ~300-1,000 events/s while 1,000 phones failed over on 2 cores,
 * behind a burst of ~9,000/s. The sink stays: Quarkus REST sends the response's head and ends the response
 * through it; the frames go on the same response.
 */
final class StreamPump {
    /** A batch closes past this many bytes (tens of events): what one slow client may hold in the server at most. */
    static final int BATCH_BYTES = 16 * 1024;

    /** Makes the pump of a new subscription. */
    interface Factory {
        StreamPump make(StreamSubscription s);
    }

    private final StreamSubscription subscription;
    private final SseEventSink sink;
    private final HttpServerResponse response;
    private final Context context;
    private final ObjectMapper json;
    private final Consumer<StreamPump> onClose;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** A write not yet on the socket (touched on the context only). */
    private boolean writing;
    private volatile boolean closed;

    StreamPump(StreamSubscription subscription, SseEventSink sink, HttpServerResponse response, Context context,
               ObjectMapper json, Consumer<StreamPump> onClose) {
        this.subscription = subscription;
        this.sink = sink;
        this.response = response;
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
        if (sink.isClosed() || response.closed()) {
            close();
            return;
        }
        if (!response.headWritten()) {
            // Quarkus REST writes the head once the resource method has returned; the frames go after it
            context.owner().setTimer(5, t -> pump());
            return;
        }
        String batch = nextBatch();
        if (batch == null) {
            return;
        }
        writing = true;
        response.write(Buffer.buffer(batch.getBytes(StandardCharsets.UTF_8))).onComplete(done -> {
            writing = false;
            if (done.failed()) {
                close();
            } else {
                pump();
            }
        });
    }

    /** What waits, as SSE frames, up to {@link #BATCH_BYTES} (one event at least); null when nothing waits. */
    private String nextBatch() {
        StringBuilder out = new StringBuilder();
        Object summary = subscription.takeSummary();
        if (summary != null) {
            SseFrames.append(out, "summary", (String) summary);
        }
        long[] dropped = subscription.takeDropped();
        if (dropped != null) {
            SseFrames.append(out, "dropped", "{\"dropped\":" + dropped[0] + ",\"total\":" + dropped[1] + "}");
        }
        while (out.length() < BATCH_BYTES) {
            StreamSubscription.Numbered n = subscription.poll();
            if (n == null) {
                break;
            }
            Map<String, Object> m = EventJson.of(n.event());
            m.put("seq", n.seq());
            try {
                SseFrames.append(out, "phone-event", json.writeValueAsString(m));
            } catch (JsonProcessingException x) {
                throw new IllegalStateException(x);
            }
        }
        return out.isEmpty() ? null : out.toString();
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

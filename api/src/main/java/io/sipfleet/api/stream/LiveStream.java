package io.sipfleet.api.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.sipfleet.api.config.SipfleetConfig;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.fleet.FleetListener;
import io.sipfleet.simulator.stream.EventStreams;
import io.sipfleet.simulator.stream.RecentActivity;
import io.sipfleet.simulator.stream.StreamFilter;
import io.sipfleet.simulator.stream.StreamSubscription;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * The live stream's hub: hears every phone event (on the simulator's event thread) and hands it to the
 * clients' queues ({@link EventStreams}: bounded, oldest dropped, never blocking), counts the last
 * minute's failovers and failbacks, and once a second, while someone is connected, builds one summary for
 * all of them. Metrics: {@code sipfleet_stream_dropped_total}, {@code sipfleet_stream_clients}.
 */
@ApplicationScoped
public class LiveStream implements FleetListener {
    private static final Logger LOG = Logger.getLogger(LiveStream.class);
    private final EventStreams streams = new EventStreams(LiveStream::fleetOf);
    private final RecentActivity activity = new RecentActivity();
    private final Instance<Simulator> simulator;
    private final ObjectMapper json;
    private final int queueSize;
    private final Set<StreamPump> pumps = new CopyOnWriteArraySet<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sipfleet-stream-summary");
        t.setDaemon(true);
        return t;
    });

    LiveStream(Instance<Simulator> simulator, ObjectMapper json, SipfleetConfig config, MeterRegistry registry) {
        this.simulator = simulator;
        this.json = json;
        this.queueSize = config.stream().queueSize();
        FunctionCounter.builder("sipfleet.stream.dropped", streams, EventStreams::dropped)
                .description("phone events dropped for live-stream clients that read too slowly (their oldest)")
                .register(registry);
        Gauge.builder("sipfleet.stream.clients", streams, EventStreams::clients)
                .description("live-stream clients connected").register(registry);
        ticker.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /** A phone's fleet from its id ({fleet}-{i}): no lookup. */
    static String fleetOf(String phoneId) {
        int dash = phoneId == null ? -1 : phoneId.lastIndexOf('-');
        return dash <= 0 ? null : phoneId.substring(0, dash);
    }

    @Override
    public void onEvent(FleetEvent event) {
        activity.onEvent(event);
        streams.onEvent(event);
    }

    /**
     * A new client; it gets the current summary at once. Its subscription takes events from the moment it
     * exists, before its pump does: an event queued in between waits for the first wake (the summary's, or
     * the one below), never reaches a pump not yet made.
     */
    StreamSubscription subscribe(StreamFilter filter, int capacity, StreamPump.Factory pump) {
        AtomicReference<StreamPump> p = new AtomicReference<>();
        StreamSubscription s = streams.subscribe(filter, capacity, () -> {
            StreamPump made = p.get();
            if (made != null) {
                made.wake();
            }
        });
        p.set(pump.make(s));
        pumps.add(p.get());
        String now = summary();
        if (now != null) {
            s.summary(now);
        } else {
            p.get().wake();
        }
        return s;
    }

    void closed(StreamPump p) {
        pumps.remove(p);
        streams.unsubscribe(p.subscription());
    }

    private void tick() {
        try {
            for (StreamPump p : pumps) {
                if (p.sinkClosed()) {
                    closed(p);
                }
            }
            if (streams.clients() == 0) {
                return;
            }
            String s = summary();
            if (s != null) {
                streams.summary(s);
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "live-stream summary failed");
        }
    }

    /** The summary now, as JSON (one for every client), or null before the simulator runs. */
    private String summary() {
        Simulator r = simulator.get();
        if (r.fleets() == null) {
            return null;
        }
        try {
            return json.writeValueAsString(LiveSummary.of(r, activity, System.currentTimeMillis()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The most events that may wait for one client (sipfleet.stream.queue-size): each client's, unless it asks for fewer. */
    int queueSize() {
        return queueSize;
    }

    ObjectMapper json() {
        return json;
    }

    /** Events dropped for slow clients, all together. */
    public long dropped() {
        return streams.dropped();
    }

    void stop(@Observes ShutdownEvent e) {
        ticker.shutdownNow();
    }
}

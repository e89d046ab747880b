package io.sipfleet.api.mqtt;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sipfleet.api.config.SipfleetConfig;
import io.sipfleet.api.rest.EventJson;
import io.sipfleet.api.rest.PhoneJson;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.device.PhoneView;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.fleet.FleetListener;
import io.sipfleet.simulator.fleet.PhoneBusyException;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.FleetManager;
import io.sipfleet.simulator.fleet.PhoneHandle;
import io.smallrye.reactive.messaging.health.HealthReport;
import io.smallrye.reactive.messaging.mqtt.MqttConnector;
import io.smallrye.reactive.messaging.mqtt.SendingMqttMessageMetadata;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * Everything the service publishes (api.md "MQTT"): each phone's retained state, each event, each
 * refused command. Phones only mark themselves changed and queue their events (they never wait on MQTT);
 * one thread publishes:
 * <ul>
 *   <li>a changed phone's state at most once per {@code sipfleet.mqtt.state-interval}, and only when its
 *       JSON differs from what was last published, so bursts of a big fleet coalesce;</li>
 *   <li>events and error answers in order, held while the broker is away (up to {@code queue-size});</li>
 *   <li>every phone's state again on each (re)connection, since a restarted broker has lost the retained
 *       ones; and an empty retained message for each phone whose fleet is gone.</li>
 * </ul>
 * Everything goes out at QoS 1.
 */
@ApplicationScoped
public class MqttPublisher implements FleetListener {
    private static final Logger LOG = Logger.getLogger(MqttPublisher.class);
    static final String CHANNEL = MqttOutlet.CHANNEL;
    /** Messages handed to the connector and not yet written. */
    private static final int WINDOW = MqttOutlet.BUFFER / 4;
    private static final int MAX_ATTEMPTS = 5;
    private static final long SWEEP_MS = 1_000;
    private static final long CONNECTION_CHECK_MS = 100;
    /** States fetched from the phones a chunk at a time. */
    private static final int VIEW_CHUNK = 2_000;
    private static final long VIEW_TIMEOUT_MS = 2_000;

    private enum Kind { STATE, CLEAR, EVENT, ERROR, RUN, RUN_RETAINED }

    /** One message to publish; {@code body} is bytes, or an event still to be written. */
    private record Out(long seq, Kind kind, String phone, String topic, Object body, int attempts) {
        Out retry() {
            return new Out(seq, kind, phone, topic, body, attempts + 1);
        }
    }

    private final Simulator simulator;
    private final ObjectMapper json;
    private final Instance<MqttOutlet> outlet;
    private final Instance<MqttConnector> connector;
    private final MqttTopics topics;
    private final long stateIntervalMs;
    private final int queueSize;

    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    /** Phone id to the hash of the state last published for it (retained on the broker). */
    private final Map<String, Long> published = new ConcurrentHashMap<>();
    private final LinkedBlockingDeque<Out> queue = new LinkedBlockingDeque<>();
    private final PriorityBlockingQueue<Out> retries = new PriorityBlockingQueue<>(64,
            Comparator.comparingLong(Out::seq));
    private final Semaphore window = new Semaphore(WINDOW);
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong republished = new AtomicLong();
    private volatile boolean running;
    private volatile boolean connected;
    /** Set when a message failed: look at the connection again, and pause a little before going on. */
    private volatile boolean recheck;
    private volatile long pauseUntil;
    private Thread thread;
    /** The fleets' generation and the published count at the last sweep: a sweep walks every phone published. */
    private long sweptGeneration = -1;
    private volatile boolean sweepAgain;

    private final MqttSubscribers subscribers;
    /** Topic filters subscribed to since the publisher last looked: phones' states they match are handed over. */
    private final java.util.concurrent.ConcurrentLinkedQueue<String> newFilters = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicLong unwanted = new AtomicLong();
    /** Phones whose retained state on the broker is older than the phone (changed while nobody subscribed). */
    private final Set<String> stale = ConcurrentHashMap.newKeySet();

    @Inject
    MqttPublisher(Simulator simulator, SipfleetConfig config, ObjectMapper json, Instance<MqttOutlet> outlet,
                  @Any Instance<MqttConnector> connector, MqttSubscribers subscribers) {
        this.simulator = simulator;
        this.subscribers = subscribers;
        subscribers.onSubscribe(newFilters::add);
        this.json = json;
        this.outlet = outlet;
        this.connector = connector;
        this.topics = new MqttTopics(config.mqtt().baseTopic());
        this.stateIntervalMs = Math.max(10, config.mqtt().stateInterval().toMillis());
        this.queueSize = Math.max(100, config.mqtt().queueSize());
    }

    public MqttTopics topics() {
        return topics;
    }

    // ---- from the phones (the event thread, and their shards: never block, never throw) -----------

    @Override
    public void onEvent(FleetEvent event) {
        dirty.add(event.phone());
        String topic = topics.events(event.phone());
        if (!subscribers.wanted(topic)) {
            unwanted.incrementAndGet(); // nobody subscribes: the broker would drop it
            return;
        }
        enqueue(new Out(seq.incrementAndGet(), Kind.EVENT, event.phone(), topic, event, 0));
    }

    @Override
    public void onOutputsChanged(String phoneId) {
        dirty.add(phoneId);
    }

    // ---- from the command handler --------------------------------------------------------------

    /** Answers a refused command on {base}/errors: {"topic","payload","error"}. */
    public void error(String topic, String payload, String error) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("topic", topic);
        m.put("payload", payload);
        m.put("error", error);
        if (!subscribers.wanted(topics.errors())) {
            unwanted.incrementAndGet();
            return;
        }
        try {
            enqueue(new Out(seq.incrementAndGet(), Kind.ERROR, null, topics.errors(), json.writeValueAsBytes(m), 0));
        } catch (Exception e) {
            LOG.errorf(e, "cannot write the error answer for %s", topic);
        }
    }

    /**
     * A scenario run's message ({@link MqttRuns}): progress, published only while someone subscribes to it, or the
     * verdict, retained (and always published: a client that subscribes after the run still gets it); an empty
     * retained payload clears a verdict.
     */
    public void runMessage(String topic, byte[] body, boolean retained) {
        if (!retained && !subscribers.wanted(topic)) {
            unwanted.incrementAndGet();
            return;
        }
        enqueue(new Out(seq.incrementAndGet(), retained ? Kind.RUN_RETAINED : Kind.RUN, null, topic, body, 0));
    }

    private void enqueue(Out o) {
        queue.offerLast(o);
        while (queue.size() > queueSize && queue.pollFirst() != null) {
            countDrop(); // the oldest go first
        }
    }

    private void countDrop() {
        long n = dropped.incrementAndGet();
        if (n == 1 || n % 10_000 == 0) {
            LOG.warnf("MQTT: %d events or error answers dropped so far (the broker is away or slower than the "
                    + "phones; sipfleet.mqtt.queue-size = %d)", n, queueSize);
        }
    }

    // ---- the publishing thread -----------------------------------------------------------------

    void start(@Observes @Priority(20) StartupEvent event) {
        running = true;
        thread = new Thread(this::run, "sipfleet-mqtt-publisher");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes @Priority(1) ShutdownEvent event) {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        boolean wasConnected = false;
        long nextCheck = 0;
        long nextFlush = 0;
        long nextSweep = 0;
        while (running) {
            try {
                long now = System.currentTimeMillis();
                if (now >= nextCheck || recheck) {
                    recheck = false;
                    connected = isConnected();
                    nextCheck = now + CONNECTION_CHECK_MS;
                }
                if (!connected) {
                    if (wasConnected) {
                        LOG.warn("MQTT: the broker is away; holding events, reconnecting");
                    }
                    wasConnected = false;
                    Thread.sleep(CONNECTION_CHECK_MS);
                    continue;
                }
                if (!wasConnected) {
                    wasConnected = true;
                    republishAll();
                    now = System.currentTimeMillis();
                    nextFlush = now + stateIntervalMs;
                }
                if (now < pauseUntil) {
                    Thread.sleep(pauseUntil - now);
                    continue;
                }
                // events and errors, oldest first, until the next state flush is due
                Out o;
                while (!recheck && System.currentTimeMillis() < nextFlush && (o = next()) != null) {
                    send(o);
                }
                now = System.currentTimeMillis();
                if (now >= nextFlush) {
                    flushDirty();
                    nextFlush = now + stateIntervalMs;
                }
                if (now >= nextSweep) {
                    sweep();
                    nextSweep = now + SWEEP_MS;
                }
                handOverToNewSubscribers();
                o = queue.pollFirst(Math.max(1, Math.min(CONNECTION_CHECK_MS, nextFlush - now)),
                        TimeUnit.MILLISECONDS);
                if (o != null) {
                    queue.offerFirst(o);
                }
            } catch (InterruptedException e) {
                if (!running) {
                    return;
                }
            } catch (Throwable t) { // never let the publisher die
                LOG.error("MQTT publisher: unexpected failure, going on", t);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    if (!running) {
                        return;
                    }
                }
            }
        }
    }

    private Out next() {
        Out r = retries.poll();
        return r != null ? r : queue.pollFirst();
    }

    private boolean isConnected() {
        try {
            if (connector.isUnsatisfied()) {
                return false;
            }
            HealthReport r = connector.get().getReadiness();
            return r.getChannels().stream().anyMatch(c -> CHANNEL.equals(c.getChannel()) && c.isOk());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private FleetManager fleets() {
        return simulator.fleets();
    }

    /**
     * A subscription that matches phones' state topics: their states, published now (the embedded broker
     * had none of them retained while nobody subscribed).
     */
    private void handOverToNewSubscribers() throws InterruptedException {
        String filter;
        while ((filter = newFilters.poll()) != null) {
            if (!subscribers.known()) {
                continue;
            }
            List<PhoneHandle> matching = new ArrayList<>();
            for (Fleet f : fleets().fleets()) {
                for (PhoneHandle h : f.phones()) {
                    if ((!published.containsKey(h.id()) || stale.contains(h.id()))
                            && MqttSubscribers.matches(filter, topics.state(h.id()))) {
                        matching.add(h);
                    }
                }
            }
            if (!matching.isEmpty()) {
                int n = publishStates(matching, true);
                LOG.debugf("MQTT: a subscription to %s: published the state of %d phones", filter, n);
            }
        }
    }

    /** Events and error answers not published because nobody subscribed to their topics. */
    public long unwantedCount() {
        return unwanted.get();
    }

    /** After a (re)connection: every phone's state, since the broker may have lost the retained ones. */
    private void republishAll() throws InterruptedException {
        dirty.clear();
        int n = 0;
        for (Fleet f : fleets().fleets()) {
            n += publishStates(f.phones().stream().filter(h -> subscribers.wanted(topics.state(h.id()))).toList(), true);
        }
        sweep();
        republished.incrementAndGet();
        LOG.infof("MQTT: connected; published the state of %d phones under %s/phones/", n, topics.base());
    }

    /** The phones changed since the last flush, each at most once, and only if its JSON changed. */
    private void flushDirty() throws InterruptedException {
        if (dirty.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>(dirty);
        List<PhoneHandle> handles = new ArrayList<>(ids.size());
        for (String id : ids) {
            dirty.remove(id);
            Optional<PhoneHandle> h = fleets().phone(id);
            if (h.isPresent()) {
                if (subscribers.wanted(topics.state(id))) {
                    handles.add(h.get());
                } else if (published.containsKey(id)) {
                    published.put(id, 0L); // what the broker holds is out of date: handed over when a subscriber comes
                    stale.add(id);
                }
            } else if (published.containsKey(id)) {
                clear(id);
            }
        }
        publishStates(handles, false);
    }

    /**
     * The states of these phones, fetched a chunk at a time (one hop per shard per chunk, ahead of the
     * phones' own work). A chunk whose shards are too busy to answer is marked dirty again for later.
     *
     * @return how many states were published
     */
    private int publishStates(List<PhoneHandle> handles, boolean force) throws InterruptedException {
        int n = 0;
        for (int from = 0; from < handles.size(); from += VIEW_CHUNK) {
            List<PhoneHandle> chunk = handles.subList(from, Math.min(handles.size(), from + VIEW_CHUNK));
            Map<PhoneHandle, PhoneView> views;
            try {
                views = PhoneHandle.views(chunk, VIEW_TIMEOUT_MS);
            } catch (PhoneBusyException | IllegalStateException e) {
                LOG.debugf("MQTT: no state for %d phones now (%s); trying again", chunk.size(), e.getMessage());
                chunk.forEach(h -> dirty.add(h.id()));
                continue;
            }
            for (PhoneHandle h : chunk) {
                if (publishState(h, views.get(h), force)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Clears the retained state of every phone whose fleet is gone (only when a fleet came or went). */
    private void sweep() throws InterruptedException {
        long g = fleets().generation();
        if (g == sweptGeneration && !sweepAgain) {
            return;
        }
        sweptGeneration = g;
        sweepAgain = false;
        for (String id : List.copyOf(published.keySet())) {
            if (fleets().phone(id).isEmpty()) {
                clear(id);
            }
        }
    }

    private boolean publishState(PhoneHandle h, PhoneView v, boolean force) throws InterruptedException {
        byte[] body;
        try {
            body = json.writeValueAsBytes(PhoneJson.of(h.fleet(), v));
        } catch (RuntimeException | java.io.IOException e) {
            LOG.debugf("MQTT: no state for %s now (%s); trying again", h.id(), e.getMessage());
            dirty.add(h.id());
            return false;
        }
        stale.remove(h.id());
        long hash = fnv64(body);
        Long last = published.put(h.id(), hash);
        if (!force && last != null && last == hash) {
            return false;
        }
        send(new Out(seq.incrementAndGet(), Kind.STATE, h.id(), topics.state(h.id()), body, 0));
        return true;
    }

    private void clear(String id) throws InterruptedException {
        published.remove(id);
        send(new Out(seq.incrementAndGet(), Kind.CLEAR, id, topics.state(id), new byte[0], 0));
    }

    private void send(Out o) throws InterruptedException {
        byte[] body;
        try {
            body = o.body() instanceof FleetEvent e ? json.writeValueAsBytes(EventJson.of(e)) : (byte[]) o.body();
        } catch (Exception e) {
            LOG.errorf(e, "MQTT: cannot write %s for %s; dropped", o.kind(), o.topic());
            return;
        }
        while (!window.tryAcquire(CONNECTION_CHECK_MS, TimeUnit.MILLISECONDS)) {
            if (!running) {
                return;
            }
        }
        boolean retain = o.kind() == Kind.STATE || o.kind() == Kind.CLEAR || o.kind() == Kind.RUN_RETAINED;
        Message<byte[]> m = Message.of(body,
                Metadata.of(new SendingMqttMessageMetadata(o.topic(), MqttQoS.AT_LEAST_ONCE, retain)),
                () -> {
                    window.release();
                    return CompletableFuture.completedFuture(null);
                },
                failure -> {
                    window.release();
                    failed(o, failure);
                    return CompletableFuture.completedFuture(null);
                });
        try {
            outlet.get().send(m);
        } catch (RuntimeException e) {
            window.release();
            failed(o, e);
        }
    }

    /** A message the connector could not hand to the broker (the broker went away, too many in flight). */
    private void failed(Out o, Throwable why) {
        recheck = true;
        pauseUntil = System.currentTimeMillis() + 20;
        switch (o.kind()) {
            case STATE -> {
                // published again when the phone changes or the connection is back
                published.remove(o.phone());
                dirty.add(o.phone());
            }
            case CLEAR -> {
                published.putIfAbsent(o.phone(), 0L); // the next sweep clears it again
                sweepAgain = true;
            }
            default -> {
                if (o.attempts() + 1 < MAX_ATTEMPTS) {
                    retries.add(o.retry());
                } else {
                    countDrop();
                }
            }
        }
        LOG.debugf("MQTT: %s to %s not published (%s)", o.kind(), o.topic(), why.getMessage());
    }

    /** How many times every phone's state was published after a (re)connection. */
    public long republications() {
        return republished.get();
    }

    /** Events and error answers dropped since the start. */
    public long droppedCount() {
        return dropped.get();
    }

    private static long fnv64(byte[] b) {
        long h = 0xcbf29ce484222325L;
        for (byte x : b) {
            h ^= x & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}

package io.sipfleet.api.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.fleet.FleetListener;
import io.sipfleet.simulator.runtime.OverloadMonitor;
import io.sipfleet.device.event.ServerFailure;
import io.sipfleet.device.event.ServerRef;
import io.quarkus.runtime.StartupEvent;
import io.sipfleet.simulator.fleet.PhoneHandle;
import io.sipfleet.simulator.sip.MalformedMessages;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The phones' events as Prometheus metrics (at {@code /q/metrics}): registrations, failovers,
 * failbacks, calls and failures by reason, per server and per model, and how long a server was tried
 * before the phone failed over (a histogram); malformed SIP messages the phones' stack dropped, by
 * transport and peer address. Tags have few values: server roles and addresses, models, reasons,
 * methods, transports, at most {@link MalformedMessages#MAX_ADDRESSES} peer addresses (then
 * {@code other}): never phone ids. Made at start-up, so every meter is there from the first scrape.
 */
@ApplicationScoped
public class PhoneMetrics implements FleetListener {
    private final MeterRegistry registry;
    private final Instance<Simulator> simulator;
    /** When each phone line started on the server it is on now (a walk step): failover latency. */
    private final Map<String, Long> stepStart = new ConcurrentHashMap<>();
    /** The server roles that have a {@code sipfleet_phones_by_active_server} gauge already. */
    private final java.util.Set<String> serverGauges = ConcurrentHashMap.newKeySet();

    PhoneMetrics(MeterRegistry registry, Instance<Simulator> simulator) {
        this.registry = registry;
        this.simulator = simulator;
        Gauge.builder("sipfleet.phones", this, m -> m.phones()).description("virtual phones").register(registry);
        Gauge.builder("sipfleet.faults.active", this, m -> m.activeFaults())
                .description("network faults in force").register(registry);
        for (io.sipfleet.device.Outputs.LineState state : io.sipfleet.device.Outputs.LineState.values()) {
            String key = state.name().toLowerCase(java.util.Locale.ROOT);
            Gauge.builder("sipfleet.phones.by.state", this, m -> m.summed(s -> s.byState().getOrDefault(key, 0)))
                    .description("phones by the state of their line 1 (as GET /api/fleets counts them)")
                    .tag("state", key).register(registry);
        }
        serverGauge("primary");
        serverGauge("backup");
        Gauge.builder("sipfleet.calls.in.progress", this,
                        m -> m.summed(io.sipfleet.simulator.fleet.Fleet.Summary::callsInProgress))
                .description("phones with a call in progress (call state not idle: dialling, ringing, connected, ...;"
                        + " as the live stream's summary counts them)").register(registry);
        overloadMetrics();
    }

    /**
     * Phones whose line 1 is on the server with this role (as GET /api/fleets counts them): primary and
     * backup from the start, any further role ({@code server3}...) from the first event that names it.
     */
    private void serverGauge(String role) {
        if (role == null || "none".equals(role) || !serverGauges.add(role)) {
            return;
        }
        Gauge.builder("sipfleet.phones.by.active.server", this,
                        m -> m.summed(s -> s.byActiveServer().getOrDefault(role, 0)))
                .description("phones by the server their line 1 is registered on or trying (its role)")
                .tag("server", role).register(registry);
    }

    /** A count summed over every fleet's summary (counters the phones keep: never waits for a phone). */
    private double summed(java.util.function.ToIntFunction<io.sipfleet.simulator.fleet.Fleet.Summary> f) {
        try {
            return simulator.get().fleets().fleets().stream().mapToInt(fl -> f.applyAsInt(fl.summary())).sum();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The simulator's own lag (README "Overload"): whether it is overloaded, how late, how often. */
    private void overloadMetrics() {
        Gauge.builder("sipfleet.overload", this, m -> m.overload(s -> s.overloaded() ? 1 : 0))
                .description("1 while the simulator is behind its own work (its verdicts may be its own lag)")
                .register(registry);
        for (String kind : java.util.List.of("shard", "send", "stack-receive", "stack-timer", "jvm-pause")) {
            Gauge.builder("sipfleet.overload.lag", this, m -> m.overload(s -> s.lagByKindMs().getOrDefault(kind, 0.0) / 1000))
                    .description("how late the simulator runs its own work, worst of the last second")
                    .tag("kind", kind).baseUnit("seconds").register(registry);
        }
        Gauge.builder("sipfleet.overload.lag.max", this, m -> m.overload(s -> s.maxLagMs() / 1000))
                .description("the worst lag since start").baseUnit("seconds").register(registry);
        Gauge.builder("sipfleet.overload.threshold", this, m -> m.overload(s -> s.thresholdMs() / 1000))
                .description("the lag that makes the simulator overloaded").baseUnit("seconds").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("sipfleet.overload.episodes", this,
                m -> m.overload(s -> s.episodes())).description("times the simulator became overloaded")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("sipfleet.overload.duration", this,
                m -> m.overload(s -> s.overloadedSeconds())).description("time spent overloaded")
                .baseUnit("seconds").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("sipfleet.udp.receive.drops", this,
                m -> m.overload(s -> s.receiveDrops()))
                .description("datagrams the kernel dropped on the phones' SIP port (receive buffer full)")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("sipfleet.events.overloaded", this,
                m -> m.overload(s -> s.markedEvents()))
                .description("events decided while the simulator was overloaded (marked \"overloaded\")")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("sipfleet.events.dropped", this, m -> {
            try {
                return simulator.get().fleets().events().dropped();
            } catch (RuntimeException e) {
                return 0;
            }
        }).description("events dropped on their way to MQTT and metrics (the event thread fell behind)")
                .register(registry);
    }

    private double overload(java.util.function.ToDoubleFunction<OverloadMonitor.Status> f) {
        try {
            OverloadMonitor o = simulator.get().overload();
            return o == null ? 0 : f.applyAsDouble(o.status());
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /**
     * After the simulator started (its observer has priority 10): one counter per transport and peer
     * that sent the phones' stack a malformed message, each reading the simulator's own tally (held by
     * it, so the counter never goes stale), registered as the peer first shows up.
     */
    void start(@Observes @Priority(100) StartupEvent event) {
        simulator.get().malformedMessages().ifPresent(m -> m.onNewSource((source, tally) ->
                FunctionCounter.builder("sipfleet.sip.malformed", tally, MalformedMessages.Tally::value)
                        .description("malformed SIP messages from servers and other peers, counted and dropped, "
                                + "by transport and peer address")
                        .tags("transport", source.transport(), "address", source.address())
                        .register(registry)));
    }

    private double phones() {
        try {
            return simulator.get().fleets().fleets().stream().mapToInt(f -> f.phones().size()).sum();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private double activeFaults() {
        try {
            return simulator.get().faults().stream().filter(f -> f.state() == io.sipfleet.faults.Fault.State.ACTIVE)
                    .count();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private String model(String phone) {
        try {
            return simulator.get().fleets().phone(phone).map(PhoneHandle::model).orElse("unknown");
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    private static String role(ServerRef s) {
        return s == null || s.role() == null ? "none" : s.role();
    }

    private static String address(ServerRef s) {
        return s == null || s.address() == null ? "none" : s.address();
    }

    private Counter counter(String name, String description, String... tags) {
        return Counter.builder(name).description(description).tags(tags).register(registry);
    }

    @Override
    public void onEvent(FleetEvent fe) {
        PhoneEvent e = fe.event();
        String key = e.phone() + "/" + e.line();
        if (e instanceof PhoneEvent.Registering r) {
            stepStart.put(key, r.at());
        } else if (e instanceof PhoneEvent.CallPlaced c) {
            stepStart.put(key, c.at());
        } else if (e instanceof PhoneEvent.FailbackProbe p) {
            stepStart.put(key, p.at());
        } else if (e instanceof PhoneEvent.Registered r) {
            serverGauge(role(r.server()));
            stepStart.remove(key); // the walk is over: nothing more to time until the next one starts
            counter("sipfleet.registrations", "registrations (200 OK to REGISTER)", "server", role(r.server()),
                    "address", address(r.server()), "model", model(r.phone())).increment();
        } else if (e instanceof PhoneEvent.Failover f) {
            String model = model(f.phone());
            serverGauge(role(f.to()));
            counter("sipfleet.failovers", "failovers from one server to the next", "request", f.request(),
                    "from", role(f.from()), "to", role(f.to()), "reason", f.reason(), "model", model).increment();
            Long started = stepStart.put(key, f.at());
            if (started != null && f.at() >= started) {
                Timer.builder("sipfleet.failover.latency")
                        .description("how long a server was tried before the phone failed over (§5 budget)")
                        .tags("request", f.request(), "reason", f.reason(), "model", model)
                        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                        .maximumExpectedValue(Duration.ofSeconds(64)).register(registry)
                        .record(Duration.ofMillis(f.at() - started));
            }
        } else if (e instanceof PhoneEvent.Failback f) {
            counter("sipfleet.failbacks", "failbacks to a higher-priority server", "server", role(f.server()),
                    "from", role(f.from()), "model", model(f.phone())).increment();
        } else if (e instanceof PhoneEvent.RegisterFailed f) {
            String model = model(f.phone());
            counter("sipfleet.register.failed", "registrations that failed on every server", "model", model)
                    .increment();
            failures("REGISTER", f.reasons(), model);
        } else if (e instanceof PhoneEvent.CallFailed f) {
            String model = model(f.phone());
            counter("sipfleet.calls", "calls by outcome", "outcome", "failed", "model", model).increment();
            failures(f.request(), f.reasons(), model);
        } else if (e instanceof PhoneEvent.CallEstablished c) {
            counter("sipfleet.calls", "calls by outcome", "outcome", "established", "model", model(c.phone()))
                    .increment();
        } else if (e instanceof PhoneEvent.CallIncoming c) {
            counter("sipfleet.calls", "calls by outcome", "outcome", "incoming", "model", model(c.phone())).increment();
        } else if (e instanceof PhoneEvent.CallRejected c) {
            counter("sipfleet.calls", "calls by outcome", "outcome", "rejected", "model", model(c.phone())).increment();
        } else if (e instanceof PhoneEvent.KeepaliveTimeout k) {
            counter("sipfleet.failures", "a server found unavailable, by reason", "request", "OPTIONS",
                    "server", role(k.server()), "address", address(k.server()), "reason", k.reason(),
                    "model", model(k.phone())).increment();
        } else if (e instanceof PhoneEvent.SentLate l) {
            counter("sipfleet.sent.late", "requests that reached the wire later than the phone's timing set for "
                    + "them, past the wire tolerance (the simulator's lag, never the server's)", "request",
                    l.request(), "server", role(l.server())).increment();
        }
    }

    private void failures(String request, java.util.List<ServerFailure> reasons, String model) {
        for (ServerFailure r : reasons) {
            counter("sipfleet.failures", "a server found unavailable, by reason", "request", request,
                    "server", role(r.server()), "address", address(r.server()), "reason", r.reason(), "model", model)
                    .increment();
        }
    }
}

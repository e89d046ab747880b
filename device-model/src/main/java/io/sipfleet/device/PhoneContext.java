package io.sipfleet.device;

import io.sipfleet.device.config.ServerConfig;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneListener;
import io.sipfleet.device.sip.ClientTransactionListener;
import io.sipfleet.device.sip.Credentials;
import io.sipfleet.device.sip.OutboundRequest;
import io.sipfleet.device.sip.SipEndpoint;
import io.sipfleet.device.sip.SipSignalling;
import io.sipfleet.device.time.Scheduler;
import io.sipfleet.device.time.SipTimers;
import java.util.SplittableRandom;

/** What the parts of one phone share: its ports, its settings and its seeded random source. */
final class PhoneContext {
    private final String phoneId;
    private final FirmwareProfile profile;
    private final PhoneSettings settings;
    private final Scheduler scheduler;
    private final SipSignalling signalling;
    private final PhoneListener listener;
    private final SipEndpoint endpoint;
    private final SplittableRandom random;
    private long requestIds;
    private long callIds;

    PhoneContext(String phoneId, FirmwareProfile profile, PhoneSettings settings, Scheduler scheduler,
                 SipSignalling signalling, PhoneListener listener, SipEndpoint endpoint) {
        this.phoneId = phoneId;
        this.profile = profile;
        this.settings = settings;
        this.scheduler = scheduler;
        this.signalling = signalling;
        this.listener = listener;
        this.endpoint = endpoint;
        this.random = new SplittableRandom(settings.seed());
    }

    String phoneId() { return phoneId; }
    FirmwareProfile profile() { return profile; }
    PhoneSettings settings() { return settings; }
    SipTimers timers() { return settings.timers(); }
    Scheduler scheduler() { return scheduler; }
    SipSignalling signalling() { return signalling; }
    SplittableRandom random() { return random; }
    long now() { return scheduler.now(); }

    void emit(PhoneEvent event) {
        listener.onEvent(event);
    }

    void outputsChanged() {
        listener.onOutputsChanged(phoneId);
    }

    /** A new Call-ID, unique per phone and repeatable for a seed. */
    String newCallId() {
        return Long.toHexString(random.nextLong() & Long.MAX_VALUE) + "-" + (++callIds) + "@" + phoneId;
    }

    OutboundRequest request(Line line, Attempt.Spec spec, ServerConfig server, long cseq, Credentials credentials,
                            ClientTransactionListener l) {
        var cfg = line.config();
        return new OutboundRequest(++requestIds, phoneId, line.number(), spec.method(), spec.purpose(), server,
                spec.callId(), cseq, cfg.user(), cfg.displayName(), cfg.domain(), line.contactUser(), spec.target(),
                spec.expires(), credentials, timers().t1(), l, endpoint);
    }
}

package io.sipfleet.device;

import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.sip.Method;
import io.sipfleet.device.time.SipTimers;

/** How long a server is tried for a request (behaviour.md §5). */
final class Budget {
    private Budget() {}

    /**
     * @param last whether the server is the last of the walk: it gets Timer B/F, 64*T1
     * @return milliseconds from the first send until the server counts as unavailable
     */
    static long of(FirmwareProfile profile, LineConfig config, Method method, SipTimers timers, boolean last) {
        long timerBF = timers.transactionTimeout();
        if (last) {
            return timerBF;
        }
        long budget = switch (profile.budgetKind()) {
            // unavailable when retransmission R+1 would be due; TCP/TLS: the same window, sent once
            case RETRANSMISSIONS -> timers.retransmissionOffset(config.signalRetryCounts() + 1, method.invite());
            case DURATION -> config.signalRetryDuration() * 1000L;
        };
        // no transaction outlives Timer B/F: a non-last server never gets more than the last one
        return Math.min(budget, timerBF);
    }
}

package io.sipfleet.device;

import io.sipfleet.device.time.SipTimers;

/**
 * Phone-wide settings (not per line).
 *
 * @param timers             RFC 3261 timers (T1)
 * @param interDigitTimeoutMs the inter-digit timeout after which the dialled number is placed (§11, added) [5000]
 * @param autoAnswer         answer incoming calls by themselves
 * @param autoAnswerDelayMs  after this long of ringing
 * @param seed               the seed of the phone's random source (refresh jitter, Call-IDs, tags)
 */
public record PhoneSettings(SipTimers timers, long interDigitTimeoutMs, boolean autoAnswer, long autoAnswerDelayMs,
                            long seed) {
    public static final long DEFAULT_INTER_DIGIT_TIMEOUT_MS = 5000;

    public PhoneSettings {
        if (timers == null) {
            throw new IllegalArgumentException("timers are required");
        }
        if (interDigitTimeoutMs < 1) {
            throw new InvalidInputException("interDigitTimeout", "must be positive, got " + interDigitTimeoutMs + " ms");
        }
        if (autoAnswerDelayMs < 0) {
            throw new InvalidInputException("autoAnswerDelay", "must not be negative, got " + autoAnswerDelayMs + " ms");
        }
    }

    public static PhoneSettings defaults(long seed) {
        return new PhoneSettings(SipTimers.DEFAULT, DEFAULT_INTER_DIGIT_TIMEOUT_MS, false, 0, seed);
    }

    public PhoneSettings withTimers(SipTimers t) {
        return new PhoneSettings(t, interDigitTimeoutMs, autoAnswer, autoAnswerDelayMs, seed);
    }

    public PhoneSettings withAutoAnswer(long delayMs) {
        return new PhoneSettings(timers, interDigitTimeoutMs, true, delayMs, seed);
    }

    public PhoneSettings withInterDigitTimeout(long ms) {
        return new PhoneSettings(timers, ms, autoAnswer, autoAnswerDelayMs, seed);
    }
}

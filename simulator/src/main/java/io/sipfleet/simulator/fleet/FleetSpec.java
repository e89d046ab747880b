package io.sipfleet.simulator.fleet;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.device.config.LineConfig;
import java.util.regex.Pattern;

/**
 * What a fleet is made of (api.md POST /api/fleets). Line 1 of every phone gets {@code line}, with
 * the phone's user numbered from {@code firstUser} and {@code {user}} in the password and auth user
 * replaced by it.
 *
 * @param name           [A-Za-z0-9_-], 1..40 characters; phone ids are {@code name-i}
 * @param model          firmware profile
 * @param count          1..{@value #MAX_PHONES}
 * @param firstUser      the first phone's user (numeric)
 * @param password       password template
 * @param authUser       auth user template (empty: the user)
 * @param rampPerSecond  phones powered on per second; 0 = all at once
 * @param autoAnswer     answer incoming calls by themselves
 * @param autoAnswerDelayMs after this long
 * @param line           line 1 configuration (user, password and auth user are set per phone)
 */
public record FleetSpec(String name, FirmwareProfile model, int count, long firstUser, String password,
                        String authUser, double rampPerSecond, boolean autoAnswer, long autoAnswerDelayMs,
                        LineConfig.Builder line) {
    public static final int MAX_PHONES = 100_000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,39})");

    public FleetSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidInputException("name", "a fleet name is 1 to 40 letters, digits, '_' or '-' "
                    + "(not starting with '-'), got '" + name + "'");
        }
        if (model == null) {
            throw new InvalidInputException("model", "model is required: one of V2, V3");
        }
        if (count < 1 || count > MAX_PHONES) {
            throw new InvalidInputException("count", "count must be 1.." + MAX_PHONES + ", got " + count);
        }
        if (firstUser < 0 || firstUser > 999_999_999_999L - count) {
            throw new InvalidInputException("firstUser", "firstUser must be a number from 0 to 999999999999 less the count");
        }
        if (!(rampPerSecond >= 0) || rampPerSecond > 100_000) {
            throw new InvalidInputException("rampPerSecond", "rampPerSecond must be 0 (all at once) to 100000, got "
                    + rampPerSecond);
        }
        if (autoAnswerDelayMs < 0) {
            throw new InvalidInputException("autoAnswerDelay", "must not be negative");
        }
        if (line == null || line.registerAddr().isEmpty()) {
            throw new InvalidInputException("line.registerAddr", "a fleet needs line.registerAddr (the primary server)");
        }
        password = password == null ? "" : password;
        authUser = authUser == null ? "" : authUser;
    }

    /** The user of phone {@code i} (1-based). */
    public String user(int i) {
        return Long.toString(firstUser + i - 1);
    }

    /** The phone id of phone {@code i} (1-based). */
    public String phoneId(int i) {
        return name + "-" + i;
    }

    /**
     * Line 1 of phone {@code i}: validated here, so that a bad fleet is refused before any phone exists.
     */
    public LineConfig lineFor(int i) {
        String user = user(i);
        return line.copy().user(user).password(password.replace("{user}", user))
                .authUser(authUser.replace("{user}", user)).build();
    }
}

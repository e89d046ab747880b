package io.sipfleet.simulator.scenario;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations of scenario files: a number and one unit, {@code 500ms}, {@code 7.5s}, {@code 2m}, {@code 1h}, or
 * {@code T1}: a multiple of the run's RFC 3261 T1 ({@code 15T1} is 7.5 s at the default T1 of 500 ms and 750 ms at
 * 50 ms), for the instants behaviour.md derives from T1 (§5 budgets), so that a scenario holds at any T1; or a sum
 * of such terms, {@code 5s + 64T1}, for an instant that adds a configured interval in seconds (which does not
 * scale) to one derived from T1 (§13: the next failback probe at +1800 + 32 + 1800 s).
 */
public final class Durations {

    /** The same pattern as the JSON Schema's {@code duration} definition. */
    public static final String PATTERN = "^[0-9]+(\\.[0-9]+)?(ms|s|m|h|T1)( ?\\+ ?[0-9]+(\\.[0-9]+)?(ms|s|m|h|T1))*$";
    private static final Pattern TERM = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h|T1)");
    private static final Pattern SUM = Pattern.compile(" ?\\+ ?");
    /** RFC 3261's T1, behaviour.md §1: what {@code T1} means unless the parser is given the run's own. */
    public static final Duration DEFAULT_T1 = Duration.ofMillis(500);

    private Durations() {
    }

    /** Parses a duration with T1 = {@link #DEFAULT_T1}. */
    public static Duration parse(String text) {
        return parse(text, DEFAULT_T1);
    }

    /**
     * Parses a duration, or a sum of them ({@code 5s + 64T1}, a space either side of the {@code +} or none), to the
     * millisecond ({@code T1} multiples are rounded to it, term by term).
     *
     * @throws IllegalArgumentException when it is not one, or (in ms, s, m, h) finer than a millisecond
     */
    public static Duration parse(String text, Duration t1) {
        String t = text == null ? "" : text;
        if (!t.matches(PATTERN)) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration (a number and a unit: 500ms, 7.5s, "
                    + "2m, 1h, 15T1)");
        }
        Duration sum = Duration.ZERO;
        for (String term : SUM.split(t)) {
            sum = sum.plus(term(term, text, t1));
            if (sum.toMillis() > Long.MAX_VALUE / 1_000_000) {
                throw new IllegalArgumentException("\"" + text + "\" is too long");
            }
        }
        return sum;
    }

    private static Duration term(String term, String text, Duration t1) {
        Matcher m = TERM.matcher(term);
        if (!m.matches()) {
            throw new IllegalStateException(term); // PATTERN let it through
        }
        BigDecimal n = new BigDecimal(m.group(1));
        BigDecimal ms = switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n.movePointRight(3);
            case "m" -> n.multiply(BigDecimal.valueOf(60_000));
            case "h" -> n.multiply(BigDecimal.valueOf(3_600_000));
            case "T1" -> n.multiply(BigDecimal.valueOf(t1.toNanos()).movePointLeft(6))
                    .setScale(0, java.math.RoundingMode.HALF_UP);
            default -> throw new IllegalStateException();
        };
        if (ms.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("\"" + text + "\" is finer than a millisecond");
        }
        if (ms.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 1_000_000)) > 0) {
            throw new IllegalArgumentException("\"" + text + "\" is too long");
        }
        return Duration.ofMillis(ms.longValueExact());
    }

    /** The shortest way to write {@code d} in a scenario file ({@code 7.5s}, {@code 500ms}, {@code 2m}). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        if (ms >= 1000) return BigDecimal.valueOf(ms).movePointLeft(3).stripTrailingZeros().toPlainString() + "s";
        return ms + "ms";
    }
}

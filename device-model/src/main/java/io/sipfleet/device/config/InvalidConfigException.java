package io.sipfleet.device.config;

import io.sipfleet.device.InvalidInputException;
import java.util.List;

/** A line configuration was refused; the configuration in force is unchanged. */
public final class InvalidConfigException extends InvalidInputException {
    private final List<Violation> violations;

    InvalidConfigException(List<Violation> violations) {
        super(violations.get(0).item().key(), message(violations));
        this.violations = List.copyOf(violations);
    }

    /** Every refused item, in §2 order; {@link #field()} is the first. */
    public List<Violation> violations() {
        return violations;
    }

    private static String message(List<Violation> violations) {
        StringBuilder sb = new StringBuilder();
        for (Violation v : violations) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(v.item().key()).append(": ").append(v.message());
        }
        return sb.toString();
    }

    /** One refused item and why. */
    public record Violation(ConfigItem item, String message) {}
}

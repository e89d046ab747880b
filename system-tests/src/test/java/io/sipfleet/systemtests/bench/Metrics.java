package io.sipfleet.systemtests.bench;

import io.sipfleet.systemtests.ServiceProcess;

/** The service's Prometheus text (/q/metrics), read a family at a time. */
final class Metrics {
    private final String text;

    private Metrics(String text) {
        this.text = text;
    }

    static Metrics scrape(ServiceProcess svc) {
        return new Metrics(svc.rest().text("/q/metrics"));
    }

    /** The sum of every series of {@code family} (0 when it has none yet). */
    double sum(String family) {
        double sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(family)) {
                continue;
            }
            int end = family.length();
            if (line.length() > end && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                continue;   // another family with this prefix
            }
            String value = line.substring(line.lastIndexOf(' ') + 1);
            try {
                sum += Double.parseDouble(value);
            } catch (NumberFormatException ignored) {
                // not a sample
            }
        }
        return sum;
    }

    /** The series of {@code family} as they are printed (for a report). */
    String series(String family) {
        StringBuilder s = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!line.startsWith("#") && (line.startsWith(family + "{") || line.startsWith(family + " "))) {
                s.append(s.length() == 0 ? "" : "; ").append(line);
            }
        }
        return s.length() == 0 ? "(none)" : s.toString();
    }
}

package io.sipfleet.faults;

import java.util.Locale;
import java.util.Optional;

/** Parses and normalises {@code host:port} targets for {@link ServerDirectory#HOST_PORT}. No DNS. */
final class HostPort {
    private HostPort() {}

    /**
     * {@code host:port} (a host name or an IPv4 literal) or {@code [v6]:port}, port 1..65535.
     *
     * @return lower-case {@code host:port}; IPv6 as {@code [addr]:port} in its RFC 5952 form
     *         ({@code [2001:db8::1]:5060}); empty for anything else
     */
    static Optional<String> normalise(String target) {
        if (target == null) {
            return Optional.empty();
        }
        String t = target.trim();
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
                return Optional.empty();
            }
            int[] groups = ipv6(t.substring(1, close));
            int port = port(t.substring(close + 2));
            if (groups == null || port < 0) {
                return Optional.empty();
            }
            return Optional.of("[" + formatIpv6(groups) + "]:" + port);
        }
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || t.indexOf(':') != colon) {
            return Optional.empty();
        }
        String host = t.substring(0, colon).toLowerCase(Locale.ROOT);
        int port = port(t.substring(colon + 1));
        if (port < 0 || !(isIpv4(host) || isHostName(host))) {
            return Optional.empty();
        }
        return Optional.of(host + ":" + port);
    }

    /** 1..65535 in decimal digits (at most 5), or -1. */
    private static int port(String s) {
        if (s.isEmpty() || s.length() > 5) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v >= 1 && v <= 65535 ? v : -1;
    }

    /** Four decimal octets 0..255, no leading zeros (they would read as octal elsewhere). */
    static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
                return false;
            }
            for (int i = 0; i < part.length(); i++) {
                if (part.charAt(i) < '0' || part.charAt(i) > '9') {
                    return false;
                }
            }
            if (Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /**
     * RFC 1123 host name: dot-separated labels of ASCII letters, digits and '-' (not at either end),
     * 1..63 characters each, 253 in all; the last label is not all digits (that would be a bad IPv4).
     */
    private static boolean isHostName(String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        String[] labels = s.split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63 || label.charAt(0) == '-'
                    || label.charAt(label.length() - 1) == '-') {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                    return false;
                }
            }
        }
        String last = labels[labels.length - 1];
        return !last.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** The eight 16-bit groups of an IPv6 literal (with at most one "::", optionally ending in IPv4), or null. */
    static int[] ipv6(String s) {
        if (s.isEmpty() || s.indexOf('%') >= 0) {
            return null;
        }
        int dbl = s.indexOf("::");
        if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
            return null;
        }
        int[] head;
        int[] tail;
        if (dbl >= 0) {
            head = groups(s.substring(0, dbl), false);
            tail = groups(s.substring(dbl + 2), true);
            if (head == null || tail == null || head.length + tail.length > 7) {
                return null;
            }
        } else {
            head = groups(s, true);
            tail = new int[0];
            if (head == null || head.length != 8) {
                return null;
            }
        }
        int[] out = new int[8];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(tail, 0, out, 8 - tail.length, tail.length);
        return out;
    }

    /** Colon-separated hex groups; the last may be a dotted IPv4 (two groups) when allowed; "" gives none. */
    private static int[] groups(String s, boolean ipv4Last) {
        if (s.isEmpty()) {
            return new int[0];
        }
        String[] parts = s.split(":", -1);
        int[] out = new int[parts.length + 1];
        int n = 0;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (ipv4Last && i == parts.length - 1 && part.indexOf('.') >= 0) {
                if (!isIpv4(part)) {
                    return null;
                }
                String[] o = part.split("\\.");
                out[n++] = Integer.parseInt(o[0]) << 8 | Integer.parseInt(o[1]);
                out[n++] = Integer.parseInt(o[2]) << 8 | Integer.parseInt(o[3]);
                continue;
            }
            if (part.isEmpty() || part.length() > 4) {
                return null;
            }
            int v = 0;
            for (int j = 0; j < part.length(); j++) {
                char c = part.charAt(j);
                int d = c > 'f' ? -1 : Character.digit(c, 16);
                if (d < 0) {
                    return null;
                }
                v = v << 4 | d;
            }
            out[n++] = v;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** RFC 5952: lower-case hex, no leading zeros, the longest run (>= 2) of zero groups as "::". */
    static String formatIpv6(int[] g) {
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}

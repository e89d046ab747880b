package io.sipfleet.simulator.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The torture corpus of malformed SIP messages in {@code src/test/resources/malformed}: one file per
 * message, and its README's table, which says for each what it breaks, how many malformed messages the
 * phones must count for it over UDP and over TCP (TLS: as TCP), and whether the stack closes a TCP or a
 * TLS connection after it. The table is read here, so the
 * README is the specification the tests check.
 */
public final class MalformedCorpus {
    private static final String DIR = "/malformed/";

    /** Who sends it: the server the phone registers with (an answer to REGISTER), or a peer of the phones' stack. */
    public enum Direction { RESPONSE, REQUEST, BOTH }

    /**
     * One message of the corpus.
     *
     * @param udp       malformed messages counted when it comes over UDP; null: not sent over UDP
     * @param tcp       the same over TCP and TLS; null: not sent over a stream
     * @param tcpCloses whether the phones' stack closes a TCP connection after it
     * @param tlsCloses whether it closes a TLS connection after it
     */
    public record Entry(String file, Direction direction, Integer udp, Integer tcp, boolean tcpCloses,
                        boolean tlsCloses, String breaks, byte[] template) {
        public boolean response() {
            return direction != Direction.REQUEST;
        }

        public boolean request() {
            return direction != Direction.RESPONSE;
        }

        /** The count over {@code transport} ({@code udp}, {@code tcp}, {@code tls}), or null when not sent there. */
        public Integer expected(String transport) {
            return "udp".equals(transport) ? udp : tcp;
        }

        /** Whether the phones' stack closes the connection after it ({@code tcp} or {@code tls}). */
        public boolean closes(String transport) {
            return "tls".equalsIgnoreCase(transport) ? tlsCloses : tcpCloses;
        }

        /** The bytes to send: every {@code {name}} replaced by its value (byte for byte, NULs and binary kept). */
        public byte[] render(Map<String, String> values) {
            String s = new String(template, StandardCharsets.ISO_8859_1);
            for (Map.Entry<String, String> v : values.entrySet()) {
                s = s.replace("{" + v.getKey() + "}", v.getValue());
            }
            return s.getBytes(StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            return file;
        }
    }

    private MalformedCorpus() {}

    /** Every message, in the README's order. */
    public static List<Entry> all() {
        List<Entry> out = new ArrayList<>();
        for (String line : text("README.md").split("\n")) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] c = line.split("\\|");
            // "", file, direction, udp, tcp, tcp closes, tls closes, what it breaks
            String file = c[1].trim().replace("`", "");
            out.add(new Entry(file, Direction.valueOf(c[2].trim().toUpperCase(java.util.Locale.ROOT)),
                    count(c[3]), count(c[4]), c[5].trim().equals("yes"), c[6].trim().equals("yes"), c[7].trim(),
                    bytes(file)));
        }
        if (out.size() < 10) {
            throw new IllegalStateException("the corpus README lists " + out.size() + " messages");
        }
        return out;
    }

    /** The messages a server sends in answer to a REGISTER. */
    public static List<Entry> responses() {
        return all().stream().filter(Entry::response).toList();
    }

    /** The messages a peer sends to the phones' stack. */
    public static List<Entry> requests() {
        return all().stream().filter(Entry::request).toList();
    }

    private static Integer count(String cell) {
        String s = cell.trim();
        return s.equals("-") ? null : Integer.valueOf(s);
    }

    private static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String name) {
        try (InputStream in = MalformedCorpus.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("no " + DIR + name + " on the test class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

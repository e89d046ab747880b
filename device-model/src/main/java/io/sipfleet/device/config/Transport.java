package io.sipfleet.device.config;

import java.util.Locale;

/** A server's transport, with the vendor's configuration codes (behaviour.md §2: 0 UDP, 1 TCP, 3 TLS). */
public enum Transport {
    UDP(0),
    TCP(1),
    TLS(3);

    private final int code;

    Transport(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** Connection-oriented transports send once and never retransmit (RFC 3261 §17.1.1.2). */
    public boolean reliable() {
        return this != UDP;
    }

    /**
     * Parses a name ({@code UDP}, {@code tcp}, ...) or a vendor code ({@code 0}, {@code 1}, {@code 3}).
     *
     * @throws IllegalArgumentException naming what was wrong
     */
    public static Transport parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("transport is empty; use UDP, TCP, TLS or the codes 0, 1, 3");
        }
        String t = text.trim();
        for (Transport tr : values()) {
            if (tr.name().equals(t.toUpperCase(Locale.ROOT)) || Integer.toString(tr.code).equals(t)) {
                return tr;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + t + "'; use UDP, TCP, TLS or the codes 0, 1, 3");
    }

    public static Transport fromCode(int code) {
        for (Transport tr : values()) {
            if (tr.code == code) {
                return tr;
            }
        }
        throw new IllegalArgumentException("unknown transport code " + code + "; use 0 (UDP), 1 (TCP) or 3 (TLS)");
    }
}

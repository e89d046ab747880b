package io.sipfleet.simulator.builtin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** RFC 2617 MD5 digest arithmetic and the nonces a group has issued. */
final class Digest {
    private Digest() {}

    static String md5Hex(String s) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 missing from the JDK", e);
        }
    }

    /**
     * The expected {@code response} parameter: MD5(HA1:nonce:HA2), or with qop=auth
     * MD5(HA1:nonce:nc:cnonce:qop:HA2); HA1 = MD5(user:realm:password), HA2 = MD5(method:uri).
     */
    static String response(String user, String realm, String password, String method, String uri, String nonce,
            String qop, String nc, String cnonce) {
        String ha1 = md5Hex(user + ":" + realm + ":" + password);
        String ha2 = md5Hex(method + ":" + uri);
        if (qop == null || qop.isEmpty()) {
            return md5Hex(ha1 + ":" + nonce + ":" + ha2);
        }
        return md5Hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2);
    }

    /** Constant-time comparison of two hex strings, ignoring case. */
    static boolean sameHex(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        return MessageDigest.isEqual(a.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII),
                b.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * The nonces issued by a group (shared: a nonce issued by the primary is honoured by the backup).
     * A nonce may be reused until it expires; expired ones are swept as new ones are issued.
     */
    static final class Nonces {
        private final Clock clock;
        private final long lifetimeMs;
        private final SecureRandom random = new SecureRandom();
        private final Map<String, Long> issued = new ConcurrentHashMap<>();
        private final AtomicLong count = new AtomicLong();

        Nonces(Clock clock, long lifetimeMs) {
            this.clock = clock;
            this.lifetimeMs = lifetimeMs;
        }

        String issue() {
            byte[] b = new byte[16];
            random.nextBytes(b);
            String n = HexFormat.of().formatHex(b);
            long now = clock.millis();
            issued.put(n, now);
            if (count.incrementAndGet() % 4096 == 0) {
                issued.values().removeIf(t -> now - t > lifetimeMs);
            }
            return n;
        }

        boolean isValid(String nonce) {
            if (nonce == null) {
                return false;
            }
            Long t = issued.get(nonce);
            if (t == null) {
                return false;
            }
            if (clock.millis() - t > lifetimeMs) {
                issued.remove(nonce, t);
                return false;
            }
            return true;
        }

        int size() {
            return issued.size();
        }
    }
}

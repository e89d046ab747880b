package io.sipfleet.faults;

/**
 * 64-bit hashing for the engine's draws and the phone sample. Fixed algorithms (FNV-1a over the
 * string's UTF-16 chars, finished with the MurmurHash3 64-bit finaliser), so the values are the same
 * on every run and every JVM: nothing here relies on identity hash codes or on
 * {@link String#hashCode()} alone.
 */
final class Hash {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final long GOLDEN = 0x9e3779b97f4a7c15L;

    private Hash() {}

    /** The MurmurHash3 64-bit finaliser: every input bit affects every output bit. */
    static long fmix64(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** A well-mixed 64-bit hash of {@code s} (null hashes like the empty string's complement). */
    static long of(String s) {
        if (s == null) {
            return fmix64(~FNV_OFFSET);
        }
        long h = FNV_OFFSET;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            h ^= c & 0xff;
            h *= FNV_PRIME;
            h ^= c >>> 8;
            h *= FNV_PRIME;
        }
        return fmix64(h ^ s.length());
    }

    /** Combines two hashes (order matters). */
    static long combine(long a, long b) {
        return fmix64(a * GOLDEN + fmix64(b + GOLDEN));
    }

    /** A value uniform in [0, 1) from a hash's top 53 bits. */
    static double unit(long h) {
        return (h >>> 11) * 0x1.0p-53;
    }
}

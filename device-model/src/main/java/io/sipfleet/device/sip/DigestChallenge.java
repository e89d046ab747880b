package io.sipfleet.device.sip;

/**
 * A digest challenge from a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate). The model passes it
 * back with the credentials; the signalling adapter computes the response.
 */
public record DigestChallenge(boolean proxy, String realm, String nonce, String algorithm, String qop,
                              String opaque, boolean stale) {
    public static DigestChallenge www(String realm, String nonce) {
        return new DigestChallenge(false, realm, nonce, "MD5", null, null, false);
    }

    public static DigestChallenge proxy(String realm, String nonce) {
        return new DigestChallenge(true, realm, nonce, "MD5", null, null, false);
    }
}

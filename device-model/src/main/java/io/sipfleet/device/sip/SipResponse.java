package io.sipfleet.device.sip;

/**
 * A final or provisional response as the model needs it.
 *
 * @param status    the status code
 * @param reason    the reason phrase
 * @param expires   for a 2xx to REGISTER: the expiry the server granted (contact or Expires header),
 *                  -1 when it gave none
 * @param challenge for 401/407: the challenge, else null
 */
public record SipResponse(int status, String reason, int expires, DigestChallenge challenge) {
    public static SipResponse of(int status, String reason) {
        return new SipResponse(status, reason, -1, null);
    }

    public boolean provisional() {
        return status >= 100 && status < 200;
    }

    public boolean success() {
        return status >= 200 && status < 300;
    }

    /** §4: 500 and 503 make the server unavailable. */
    public boolean serverUnavailable() {
        return status == 500 || status == 503;
    }

    public boolean isChallenge() {
        return status == 401 || status == 407;
    }
}

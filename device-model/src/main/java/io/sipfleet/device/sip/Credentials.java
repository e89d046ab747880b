package io.sipfleet.device.sip;

/** What the adapter needs to answer a digest challenge. Its text form never shows the password. */
public record Credentials(String authUser, String password, DigestChallenge challenge) {
    @Override
    public String toString() {
        return "Credentials[authUser=" + authUser + ", password=****, realm="
                + (challenge == null ? null : challenge.realm()) + "]";
    }
}

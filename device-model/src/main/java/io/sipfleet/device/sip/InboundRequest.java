package io.sipfleet.device.sip;

/**
 * A request a server sent to the phone.
 *
 * @param method      INVITE, CANCEL or BYE
 * @param line        the line it is for (found by the adapter from the Contact user)
 * @param callId      its Call-ID
 * @param fromUser    the caller's user part
 * @param fromDisplay the caller's display name, or empty
 * @param serverIndex the index in the line's server list of the server it came through, or -1
 * @param handle      the adapter's own handle (server transaction), opaque to the model
 */
public record InboundRequest(Method method, int line, String callId, String fromUser, String fromDisplay,
                             int serverIndex, Object handle) {}

package io.sipfleet.api;

import jakarta.ws.rs.core.Response;

/**
 * An RFC 9457 problem detail, answered as {@code application/problem+json}.
 *
 * @param type   a URI reference that names the problem type
 * @param title  a short summary of the problem type
 * @param status the HTTP status code
 * @param detail what went wrong with this request, for a person to act on
 */
public record Problem(String type, String title, int status, String detail) {

    /** The media type of a problem answer. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /** A 404 for something that does not exist. */
    public static Problem notFound(String detail) {
        return new Problem("about:blank", "Not Found", 404, detail);
    }

    /** This problem as a response with its status and media type. */
    public Response toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this).build();
    }
}

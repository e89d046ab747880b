package io.sipfleet.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;

/**
 * An RFC 9457 problem detail, answered as {@code application/problem+json}, with the extension
 * member {@code field} naming the offending input when there is one.
 *
 * @param type   a URI reference that names the problem type
 * @param title  a short summary of the problem type
 * @param status the HTTP status code
 * @param detail what went wrong with this request, for a person to act on
 * @param field  the request field at fault ({@code count}, {@code line.registerPort}, {@code keys[2]}), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String field) {

    /** The media type of a problem answer. */
    public static final String MEDIA_TYPE = "application/problem+json";

    public Problem(String type, String title, int status, String detail) {
        this(type, title, status, detail, null);
    }

    /** A 404 for something that does not exist. */
    public static Problem notFound(String detail) {
        return new Problem("about:blank", "Not Found", 404, detail);
    }

    public static Problem badRequest(String field, String detail) {
        return new Problem("about:blank", "Bad Request", 400, detail, field);
    }

    public static Problem conflict(String detail) {
        return new Problem("about:blank", "Conflict", 409, detail);
    }

    /** This problem as a response with its status and media type. */
    public Response toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this).build();
    }
}

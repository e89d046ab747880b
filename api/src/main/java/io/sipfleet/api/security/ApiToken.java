package io.sipfleet.api.security;

import io.quarkus.runtime.StartupEvent;
import io.sipfleet.api.Problem;
import io.sipfleet.api.config.SipfleetConfig;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Security by default: the HTTP server binds loopback unless configured otherwise, and binding it
 * anywhere else needs {@code sipfleet.api.token}; with a token, every {@code /api} request must carry
 * it as a bearer token (401 otherwise). Health, metrics and the OpenAPI document under {@code /q} stay
 * open for probes and scrapers. The token is compared in constant time and never logged.
 */
@ApplicationScoped
public class ApiToken {
    private static final Logger LOG = Logger.getLogger(ApiToken.class);

    private final Optional<byte[]> token;
    private final String host;

    ApiToken(SipfleetConfig config, @ConfigProperty(name = "quarkus.http.host", defaultValue = "127.0.0.1") String host) {
        this.token = config.api().token().filter(t -> !t.isBlank()).map(t -> t.getBytes(StandardCharsets.UTF_8));
        this.host = host;
    }

    /** Refuses to start bound beyond loopback without a token (before anything listens for SIP). */
    void check(@Observes @Priority(5) StartupEvent event) {
        requireTokenBeyondLoopback(host, token.isPresent());
        if (token.isPresent()) {
            LOG.infof("REST API: a bearer token is required on /api (HTTP on %s)", host);
        }
    }

    /**
     * @throws IllegalStateException when {@code host} is not a loopback address and there is no token
     */
    public static void requireTokenBeyondLoopback(String host, boolean hasToken) {
        if (!hasToken && !loopback(host)) {
            throw new IllegalStateException("quarkus.http.host=" + host + " exposes the API beyond loopback: set "
                    + "sipfleet.api.token (SIPFLEET_API_TOKEN) so that every /api request must carry it, or bind "
                    + "127.0.0.1");
        }
    }

    static boolean loopback(String host) {
        if (host == null || host.isBlank() || "localhost".equalsIgnoreCase(host)) {
            return true;
        }
        try {
            InetAddress a = InetAddress.getByName(host);
            return a.isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> filter(ContainerRequestContext request) {
        if (token.isEmpty()) {
            return Optional.empty();
        }
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/api")) {
            return Optional.empty();
        }
        String auth = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                && MessageDigest.isEqual(auth.substring(7).trim().getBytes(StandardCharsets.UTF_8), token.get())) {
            return Optional.empty();
        }
        return Optional.of(Response.fromResponse(new Problem("about:blank", "Unauthorized", 401,
                        "this API needs 'Authorization: Bearer <token>' with the configured sipfleet.api.token")
                        .toResponse()).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"sipfleet\"").build());
    }
}

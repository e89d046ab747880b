package io.sipfleet.api.stream;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Test fixture: with {@code sipfleet-test.http-send-buffer} set, the HTTP server's sockets get that send
 * buffer. Linux gives a loopback connection over a megabyte of send buffer, so a client that reads nothing
 * would take thousands of events before the server's writes to it stop; with a few kilobytes it takes tens.
 */
@ApplicationScoped
public class SmallSendBuffer implements HttpServerOptionsCustomizer {
    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        int size = ConfigProvider.getConfig().getOptionalValue("sipfleet-test.http-send-buffer", Integer.class)
                .orElse(0);
        if (size > 0) {
            options.setSendBufferSize(size);
        }
    }
}

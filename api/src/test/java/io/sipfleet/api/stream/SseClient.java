package io.sipfleet.api.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A client of {@code GET /api/stream} that reads as fast as it can and keeps every event with when it came. */
final class SseClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One event: its name, its data as JSON, and when it was read (epoch ms). */
    record Event(String name, Map<String, Object> data, long receivedAt) {}

    final List<Event> events = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile java.io.InputStream body;
    private volatile boolean closed;

    SseClient(String url) throws Exception {
        HttpResponse<java.io.InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + ": " + r.statusCode());
        }
        body = r.body();
        reader = new Thread(this::read, "sse-client");
        reader.setDaemon(true);
        reader.start();
    }

    @SuppressWarnings("unchecked")
    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String name = null;
            StringBuilder data = new StringBuilder();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (name != null || data.length() > 0) {
                        events.add(new Event(name, JSON.readValue(data.toString(), Map.class), System.currentTimeMillis()));
                    }
                    name = null;
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5));
                }
            }
        } catch (Exception e) {
            if (!closed) {
                e.printStackTrace();
            }
        }
    }

    List<Event> named(String name) {
        return events.stream().filter(e -> name.equals(e.name())).toList();
    }

    /** The phone events of one phone, in the order they came. */
    List<Event> of(String phone) {
        return events.stream().filter(e -> "phone-event".equals(e.name()) && phone.equals(e.data().get("phone")))
                .toList();
    }

    @Override
    public void close() throws Exception {
        closed = true;
        body.close();
    }
}

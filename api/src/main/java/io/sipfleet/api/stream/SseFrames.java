package io.sipfleet.api.stream;

/**
 * Server-Sent Events frames as the HTML standard defines them: {@code event:} and one {@code data:} line per line
 * of the data, then a blank line. A line break inside the data (none in our JSON) becomes another {@code data:}
 * line, so it can never end a frame early or forge a field.
 */
final class SseFrames {
    private SseFrames() {
    }

    static StringBuilder append(StringBuilder out, String name, String data) {
        out.append("event:").append(name).append('\n').append("data:");
        for (int i = 0; i < data.length(); i++) {
            char c = data.charAt(i);
            if (c == '\r') {
                out.append("\ndata:");
                if (i + 1 < data.length() && data.charAt(i + 1) == '\n') {
                    i++;
                }
            } else if (c == '\n') {
                out.append("\ndata:");
            } else {
                out.append(c);
            }
        }
        return out.append("\n\n");
    }
}

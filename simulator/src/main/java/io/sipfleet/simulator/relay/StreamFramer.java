package io.sipfleet.simulator.relay;

import java.nio.ByteBuffer;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts a TCP byte stream into SIP messages (RFC 3261 18.3): a header section ending with an empty
 * line, then Content-Length bytes of body, the Content-Length read by JAIN-SIP's parser
 * ({@link RelaySip#contentLength}). CR/LF between messages are keep-alives (RFC 5626 3.5.1: a
 * double-CRLF ping, a CRLF pong) and come out as frames of their own. One framer per connection,
 * used by one thread.
 */
final class StreamFramer {
    /** Largest message (headers and body) on a stream; more and the stream is given up. */
    static final int MAX_MESSAGE = 64 * 1024;

    /** A whole message, or a run of CR/LF (a keep-alive). */
    record Frame(boolean keepalive, byte[] bytes) {}

    private byte[] buf = new byte[4096];
    private int len;
    /** The header section's end and Content-Length of the message being read, once known. */
    private int pendingEnd = -1;
    private int pendingLength;

    /**
     * Appends {@code in} and returns the frames now complete.
     *
     * @throws ParseException when the stream cannot be framed any more (no SIP header section, a bad
     *                        Content-Length, a message over {@link #MAX_MESSAGE})
     */
    List<Frame> feed(ByteBuffer in) throws ParseException {
        int n = in.remaining();
        if (len + n > buf.length) {
            if (len + n > 2 * MAX_MESSAGE) {
                throw new ParseException("more than " + MAX_MESSAGE + " bytes without a whole message", len);
            }
            buf = Arrays.copyOf(buf, Math.max(len + n, buf.length * 2));
        }
        in.get(buf, len, n);
        len += n;
        List<Frame> frames = new ArrayList<>(1);
        while (len > 0) {
            if (pendingEnd < 0) {
                int crlf = 0;
                while (crlf < len && (buf[crlf] == '\r' || buf[crlf] == '\n')) {
                    crlf++;
                }
                if (crlf > 0) {
                    frames.add(new Frame(true, take(crlf)));
                    continue;
                }
                int end = headerEnd();
                if (end < 0) {
                    if (len > MAX_MESSAGE) {
                        throw new ParseException("no end of headers within " + MAX_MESSAGE + " bytes", len);
                    }
                    break;
                }
                int cl = RelaySip.contentLength(Arrays.copyOf(buf, end));
                if (cl < 0 || end + (long) cl > MAX_MESSAGE) {
                    throw new ParseException("Content-Length " + cl + " out of bounds", end);
                }
                pendingEnd = end;
                pendingLength = cl;
            }
            int total = pendingEnd + pendingLength;
            if (len < total) {
                break;
            }
            pendingEnd = -1;
            frames.add(new Frame(false, take(total)));
        }
        return frames;
    }

    /** The index just after the empty line ending the header section, or -1. */
    private int headerEnd() {
        for (int i = 0; i + 1 < len; i++) {
            if (buf[i] == '\n') {
                if (buf[i + 1] == '\n') {
                    return i + 2;
                }
                if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n') {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    private byte[] take(int n) {
        byte[] out = Arrays.copyOf(buf, n);
        System.arraycopy(buf, n, buf, 0, len - n);
        len -= n;
        return out;
    }
}

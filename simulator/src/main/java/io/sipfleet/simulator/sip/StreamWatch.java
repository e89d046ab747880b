package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.parser.Pipeline;
import gov.nist.javax.sip.parser.PipelinedMsgParser;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The input of a stack's TCP or TLS connection, watched for the messages the stack gives up on before
 * (or just after) its parser sees them. JAIN-SIP's {@link PipelinedMsgParser} cuts the stream into
 * messages itself and, when one breaks its limits, stops reading the connection altogether and closes
 * it: a header section over half of {@code MAX_MESSAGE_SIZE} or a message head over all of it (before
 * the parser is called), a Content-Length over {@code MAX_MESSAGE_SIZE} or a Content-Length header
 * longer than 30 characters (just after), or a message the stack fails to process (a request over the
 * size limit, a SIP version it does not speak). Nothing is reported; the parser's thread closes its
 * {@link Pipeline}, which closes this stream. So a close by that thread, from its read loop, before the
 * peer ended the stream (end of stream or a read error) is one malformed message from the peer,
 * counted once; a close by anyone else (the connection closed by the stack, a fault, the end of the
 * stream) counts nothing.
 *
 * <p>One edge the stack has is not told apart: the parser also counts keep-alive CRLFs against the size
 * of the next message, so more than {@code MAX_MESSAGE_SIZE} bytes of CRLFs between two messages make
 * it give the connection up (and count here) as well.
 */
final class StreamWatch extends FilterInputStream {
    private static final String PIPELINE = Pipeline.class.getName();
    private static final String PARSER = PipelinedMsgParser.class.getName();

    private final Runnable onGiveUp;
    private volatile boolean ended;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** @param onGiveUp counts one malformed message from the connection's peer */
    StreamWatch(InputStream in, Runnable onGiveUp) {
        super(in);
        this.onGiveUp = onGiveUp;
    }

    @Override
    public int read() throws IOException {
        try {
            int c = super.read();
            if (c < 0) {
                ended = true;
            }
            return c;
        } catch (IOException e) {
            ended = true;
            throw e;
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            int n = super.read(b, off, len);
            if (n < 0) {
                ended = true;
            }
            return n;
        } catch (IOException e) {
            ended = true;
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        if (closed.compareAndSet(false, true) && !ended && closedByTheParserGivingUp()) {
            try {
                onGiveUp.run();
            } catch (RuntimeException e) {
                System.getLogger(StreamWatch.class.getName()).log(System.Logger.Level.WARNING,
                        "counting a malformed message failed", e);
            }
        }
        super.close();
    }

    /** The caller is the pipelined parser's read loop closing its pipeline (not its close(), nor a channel's). */
    private static boolean closedByTheParserGivingUp() {
        return StackWalker.getInstance().walk(frames -> {
            boolean afterPipelineClose = false;
            for (var it = frames.iterator(); it.hasNext(); ) {
                StackWalker.StackFrame f = it.next();
                if (afterPipelineClose) {
                    return f.getClassName().equals(PARSER) && f.getMethodName().equals("run");
                }
                afterPipelineClose = f.getClassName().equals(PIPELINE) && f.getMethodName().equals("close");
            }
            return false;
        });
    }
}

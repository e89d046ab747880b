package io.sipfleet.api.stream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SseFramesTest {
    @Test
    void aFrameIsItsNameItsDataAndABlankLine() {
        assertThat(SseFrames.append(new StringBuilder(), "phone-event", "{\"seq\":1}").toString())
                .isEqualTo("event:phone-event\ndata:{\"seq\":1}\n\n");
    }

    @Test
    void framesFollowOneAnotherInOneBatch() {
        StringBuilder b = new StringBuilder();
        SseFrames.append(b, "summary", "{}");
        SseFrames.append(b, "dropped", "{\"dropped\":3,\"total\":3}");
        assertThat(b.toString()).isEqualTo("event:summary\ndata:{}\n\nevent:dropped\ndata:{\"dropped\":3,\"total\":3}\n\n");
    }

    @Test
    void aLineBreakInTheDataBecomesAnotherDataLineAndNeverEndsTheFrame() {
        assertThat(SseFrames.append(new StringBuilder(), "x", "a\nb\r\nc\rd\n\nevent:forged").toString())
                .isEqualTo("event:x\ndata:a\ndata:b\ndata:c\ndata:d\ndata:\ndata:event:forged\n\n");
    }
}

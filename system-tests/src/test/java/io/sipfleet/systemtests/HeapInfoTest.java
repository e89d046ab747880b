package io.sipfleet.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The heap used as {@code jcmd GC.heap_info} tells it, whichever collector the service runs. */
class HeapInfoTest {
    @Test
    void zgcTellsItInMegabytes() {
        assertThat(ServiceProcess.parseHeapUsed("""
                12383:
                 ZHeap           used 52M, capacity 378M, max capacity 1024M
                 Metaspace       used 8940K, committed 9088K, reserved 1114112K
                  class space    used 1062K, committed 1152K, reserved 1048576K
                """)).isEqualTo(52L * 1024 * 1024);
    }

    @Test
    void g1TellsItInKilobytes() {
        assertThat(ServiceProcess.parseHeapUsed("""
                12400:
                 garbage-first heap   total 262144K, used 21739K [0x00000000c0000000, 0x0000000100000000)
                  region size 1024K, 19 young (19456K), 0 survivors (0K)
                 Metaspace       used 8940K, committed 9088K, reserved 1114112K
                """)).isEqualTo(21739L * 1024);
    }

    @Test
    void somethingElseIsRefusedWithWhatWasRead() {
        assertThatThrownBy(() -> ServiceProcess.parseHeapUsed("nothing here"))
                .hasMessageContaining("nothing here");
    }
}

package io.sipfleet.simulator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CollectorTest {
    @Test
    void theCollectorIsKnownByItsBeansNames() {
        assertThat(Collector.name(List.of("ZGC Cycles", "ZGC Pauses"))).isEqualTo("ZGC");
        assertThat(Collector.name(List.of("Shenandoah Pauses", "Shenandoah Cycles"))).isEqualTo("Shenandoah");
        assertThat(Collector.name(List.of("G1 Young Generation", "G1 Old Generation", "G1 Concurrent GC")))
                .isEqualTo("G1");
        assertThat(Collector.name(List.of("PS Scavenge", "PS MarkSweep"))).isEqualTo("Parallel");
        assertThat(Collector.name(List.of("Copy", "MarkSweepCompact"))).isEqualTo("Serial");
        assertThat(Collector.name(List.of())).isEqualTo("unknown");
    }

    @Test
    void aLowPauseCollectorNeedsNoAdviceAndTheOthersAreToldWhatToRunWith() {
        assertThat(Collector.advice("ZGC")).isEmpty();
        assertThat(Collector.advice("Shenandoah")).isEmpty();
        assertThat(Collector.advice("G1")).hasValueSatisfying(a -> assertThat(a).contains("G1", "-XX:+UseZGC"));
        assertThat(Collector.advice("Parallel")).hasValueSatisfying(a -> assertThat(a).contains("Parallel"));
    }

    @Test
    void thisJvmsCollectorIsNamed() {
        // the build's test JVMs run ZGC (the root pom's argLine), as the README tells users to
        assertThat(Collector.name()).isEqualTo("ZGC");
    }
}

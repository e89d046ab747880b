package io.sipfleet.api.ops;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.sipfleet.api.config.SipfleetConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * In a cluster (README "Scale-out"), every metric carries a {@code shard} label with this instance's index, so
 * that Prometheus sums a fleet over its instances ({@code sum without (shard, instance) (...)}) and tells them
 * apart. A single instance's metrics stay as they are.
 */
public class ShardLabel {
    @Produces
    @Singleton
    MeterFilter shardLabel(SipfleetConfig config) {
        var c = config.cluster();
        return c.shardCount() > 1 ? MeterFilter.commonTags(List.of(Tag.of("shard", Integer.toString(c.shardIndex()))))
                : MeterFilter.accept();
    }
}

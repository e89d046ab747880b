package io.sipfleet.simulator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Any instance answers for the whole fleet from the shards' reports, and says which shard is missing: one that
 * stopped reporting (10 s here, as issue 12 asks), one that left, one that never came.
 */
class ClusterViewTest {
    private static final ClusterShard SELF = new ClusterShard(1, 3);

    private static ShardReport report(int shard, long at, int onPrimary, int onBackup) {
        int first = new ClusterShard(shard, 3).first(30_000);
        int last = new ClusterShard(shard, 3).last(30_000);
        int phones = last - first + 1;
        return new ShardReport(shard, 3, at, Map.of("big", new ShardReport.Slice(30_000, first, last, phones, phones,
                Map.of("registered", onPrimary + onBackup, "registering", phones - onPrimary - onBackup),
                Map.of("primary", onPrimary, "backup", onBackup), shard)));
    }

    @Test
    void theWholeFleetIsTheSumOfItsShardsWithEachShardsAge() {
        ClusterView view = new ClusterView(SELF, 10_000);
        view.report(report(0, 1_000, 10_000, 0));
        view.report(report(1, 1_500, 9_000, 1_000));
        view.report(report(2, 1_200, 0, 9_999));

        ClusterView.Aggregate a = view.fleet("big", 2_000).orElseThrow();
        assertThat(a.count()).isEqualTo(30_000);
        assertThat(a.phones()).isEqualTo(30_000);
        assertThat(a.byActiveServer()).containsEntry("primary", 19_000).containsEntry("backup", 10_999);
        assertThat(a.byState()).containsEntry("registered", 29_999).containsEntry("registering", 1);
        assertThat(a.callsInProgress()).isEqualTo(0 + 1 + 2);
        assertThat(a.complete()).isTrue();
        assertThat(a.shards()).extracting(ClusterView.ShardAge::ageMs).containsExactly(1_000L, 500L, 800L);
        assertThat(view.fleet("other", 2_000)).isEmpty();
        assertThat(view.fleetNames(2_000)).containsExactly("big");
    }

    @Test
    void aShardSilentForLongerThanTheLimitIsMissingAndItsPhonesAreNotCounted() {
        ClusterView view = new ClusterView(SELF, 10_000);
        view.report(report(0, 0, 10_000, 0));
        view.report(report(1, 0, 10_000, 0));
        view.report(report(2, 0, 10_000, 0));
        // shard 2 was killed at 0; the others go on reporting
        view.report(report(0, 10_500, 0, 10_000));
        view.report(report(1, 10_500, 0, 10_000));

        assertThat(view.fleet("big", 10_000).orElseThrow().missing()).as("at the limit, still counted").isEmpty();
        ClusterView.Aggregate a = view.fleet("big", 10_001).orElseThrow();
        assertThat(a.missing()).containsExactly(2);
        assertThat(a.complete()).isFalse();
        assertThat(a.phones()).isEqualTo(20_000);
        assertThat(a.count()).isEqualTo(30_000);
        assertThat(a.shards().get(2)).isEqualTo(new ClusterView.ShardAge(2, 10_001L, null, false));

        // restarted: its slice is back
        view.report(report(2, 11_000, 0, 10_000));
        assertThat(view.fleet("big", 11_000).orElseThrow().phones()).isEqualTo(30_000);
    }

    @Test
    void aShardThatLeftOrNeverCameIsMissing() {
        ClusterView view = new ClusterView(SELF, 10_000);
        view.report(report(0, 0, 1, 0));
        view.report(report(1, 0, 1, 0));
        assertThat(view.fleet("big", 1).orElseThrow().missing()).containsExactly(2);
        assertThat(view.fleet("big", 1).orElseThrow().shards().get(2).ageMs()).isNull();
        view.left(0);
        assertThat(view.fleet("big", 1).orElseThrow().missing()).containsExactly(0, 2);
    }

    @Test
    void anOlderReportDoesNotReplaceANewerOneAndAForeignClusterIsRefused() {
        ClusterView view = new ClusterView(SELF, 10_000);
        view.report(report(0, 5_000, 7, 0));
        view.report(report(0, 4_000, 1, 0)); // came late over the broker
        assertThat(view.fleet("big", 5_000).orElseThrow().byActiveServer()).containsEntry("primary", 7);

        assertThatThrownBy(() -> view.report(new ShardReport(0, 4, 0, Map.of())))
                .hasMessage("a report from shard 0 of 4 does not fit this cluster of 3 (sipfleet.cluster.shard-count differs)");
    }

    @Test
    void aReportGoesOverTheBrokerAsJsonAndComesBackTheSame() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ShardReport r = report(2, 123, 4, 5);
        String text = json.writeValueAsString(r);
        assertThat(text).contains("\"shard\":2", "\"of\":3", "\"firstPhone\":20001", "\"lastPhone\":30000");
        assertThat(json.readValue(text, ShardReport.class)).isEqualTo(r);
    }
}

package io.sipfleet.simulator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Every phone of a fleet has exactly one owner, slices are contiguous and differ by one phone at most. */
class ClusterShardTest {

    @Test
    void thirtyThousandPhonesOnThreeInstancesAreTenThousandEach() {
        assertThat(new ClusterShard(0, 3).first(30_000)).isEqualTo(1);
        assertThat(new ClusterShard(0, 3).last(30_000)).isEqualTo(10_000);
        assertThat(new ClusterShard(1, 3).first(30_000)).isEqualTo(10_001);
        assertThat(new ClusterShard(1, 3).last(30_000)).isEqualTo(20_000);
        assertThat(new ClusterShard(2, 3).first(30_000)).isEqualTo(20_001);
        assertThat(new ClusterShard(2, 3).last(30_000)).isEqualTo(30_000);
        assertThat(new ClusterShard(1, 3).ownerOf(10_000, 30_000)).isZero();
        assertThat(new ClusterShard(1, 3).ownerOf(10_001, 30_000)).isEqualTo(1);
        assertThat(new ClusterShard(0, 3).ownerOf(30_000, 30_000)).isEqualTo(2);
    }

    @Test
    void everyPhoneHasExactlyOneOwnerWhateverTheSizes() {
        for (int count = 1; count <= 7; count++) {
            for (int phones = 1; phones <= 40; phones++) {
                int[] owners = new int[phones + 1];
                int min = Integer.MAX_VALUE;
                int max = 0;
                for (int index = 0; index < count; index++) {
                    ClusterShard s = new ClusterShard(index, count);
                    for (int i = s.first(phones); i <= s.last(phones); i++) {
                        owners[i]++;
                        assertThat(s.owns(i, phones)).isTrue();
                        assertThat(s.ownerOf(i, phones)).as("owner of %d of %d on %d", i, phones, count).isEqualTo(index);
                    }
                    min = Math.min(min, s.owned(phones));
                    max = Math.max(max, s.owned(phones));
                }
                for (int i = 1; i <= phones; i++) {
                    assertThat(owners[i]).as("owners of phone %d of %d on %d instances", i, phones, count).isEqualTo(1);
                }
                assertThat(max - min).isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void aSingleInstanceOwnsEverything() {
        assertThat(ClusterShard.SINGLE.clustered()).isFalse();
        assertThat(ClusterShard.SINGLE.first(100_000)).isEqualTo(1);
        assertThat(ClusterShard.SINGLE.last(100_000)).isEqualTo(100_000);
    }

    @Test
    void aBadShardNamesTheKey() {
        assertThatThrownBy(() -> new ClusterShard(3, 3))
                .hasMessage("sipfleet.cluster.shard-index must be 0..2 (sipfleet.cluster.shard-count is 3), got 3");
        assertThatThrownBy(() -> new ClusterShard(0, 0))
                .hasMessage("sipfleet.cluster.shard-count must be at least 1, got 0");
    }
}

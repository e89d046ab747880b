package io.sipfleet.simulator.cluster;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The answers of every shard to one command given to the cluster (README "Scale-out"): who carried it out, who
 * refused it and why, and who did not answer within the deadline. Thread-safe; the first answer of a shard counts.
 */
public final class Acknowledgements {
    private final String command;
    private final int shards;
    private final Map<Integer, String> answers = new TreeMap<>(); // shard -> null (done) or why refused
    private final CountDownLatch all;

    /** @param command the command's id, as the shards echo it */
    public Acknowledgements(String command, int shards) {
        this.command = command;
        this.shards = shards;
        this.all = new CountDownLatch(shards);
    }

    public String command() {
        return command;
    }

    /** Shard {@code shard} answered: {@code refusal} null when it carried the command out. */
    public void answer(int shard, String refusal) {
        if (shard < 0 || shard >= shards) {
            return; // not of this cluster: its answer does not count
        }
        synchronized (answers) {
            if (answers.containsKey(shard)) {
                return;
            }
            answers.put(shard, refusal);
        }
        all.countDown();
    }

    /** Waits until every shard answered or {@code timeoutMs} passed, then tells who did what. */
    public Result await(long timeoutMs) throws InterruptedException {
        all.await(timeoutMs, TimeUnit.MILLISECONDS);
        return result();
    }

    /** Who has answered so far. */
    public Result result() {
        synchronized (answers) {
            List<Integer> done = answers.entrySet().stream().filter(e -> e.getValue() == null).map(Map.Entry::getKey)
                    .toList();
            Map<Integer, String> refused = new TreeMap<>();
            answers.forEach((k, v) -> {
                if (v != null) {
                    refused.put(k, v);
                }
            });
            List<Integer> silent = java.util.stream.IntStream.range(0, shards).filter(i -> !answers.containsKey(i))
                    .boxed().toList();
            return new Result(shards, done, refused, silent);
        }
    }

    /**
     * @param shards       the cluster's shard count
     * @param acknowledged shards that carried it out
     * @param refused      shards that refused it, with why
     * @param silent       shards that did not answer in time
     */
    public record Result(int shards, List<Integer> acknowledged, Map<Integer, String> refused, List<Integer> silent) {
        public Result {
            acknowledged = List.copyOf(acknowledged);
            refused = Map.copyOf(refused);
            silent = List.copyOf(silent);
        }

        /** Every shard carried it out. */
        public boolean complete() {
            return acknowledged.size() == shards;
        }
    }
}

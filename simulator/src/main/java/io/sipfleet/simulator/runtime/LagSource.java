package io.sipfleet.simulator.runtime;

import java.util.function.LongSupplier;

/**
 * One place the simulator can fall behind its own work, as the overload watch samples it: how late it
 * is now (ns), worst since the last sample.
 *
 * @param kind what it is ({@code shard}, {@code send}, {@code stack-receive}, {@code stack-timer},
 *             {@code jvm-pause}): a metric tag and the start of a reason
 * @param name which one ({@code sipfleet-phones-2})
 * @param lag  takes the lag since the last call
 */
public record LagSource(String kind, String name, LongSupplier lag) {
    /** A task loop: the latest start of a task since the last sample, or how long a due task has been held up. */
    public static LagSource of(String kind, TaskLoop loop) {
        return new LagSource(kind, loop.name(), () -> Math.max(loop.takeMaxLateNanos(), loop.stalledNanos()));
    }

    /**
     * A loop whose tasks are all due when handed over (a send loop): also how long a task handed over now
     * would wait, so that a backlog counts as lag before its tasks run late, not after.
     */
    public static LagSource ofQueue(String kind, TaskLoop loop) {
        return new LagSource(kind, loop.name(), () -> Math.max(Math.max(loop.takeMaxLateNanos(), loop.stalledNanos()),
                loop.expectedWaitNanos()));
    }
}

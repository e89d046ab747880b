package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.stack.SIPStackTimerTask;
import gov.nist.javax.sip.stack.timers.SipTimer;
import io.sipfleet.simulator.runtime.TaskLoop;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SIP stack's timers (retransmissions, Timer B/F, Timer K, ...) on a {@link TaskLoop} (stack property
 * {@code gov.nist.javax.sip.TIMER_CLASS_NAME}; loaded by name: public, no-argument constructor). Against
 * the stack's own timers it cancels in constant time (the scheduled-executor one scans its whole queue on
 * every cancel) and, above all, it knows how late it runs: a retransmission that leaves late shortens
 * what the server was given, and the overload watch must see that.
 */
public final class LoopSipTimer implements SipTimer {
    /** The stack property that installs it. */
    public static final String PROPERTY = "gov.nist.javax.sip.TIMER_CLASS_NAME";
    private static final System.Logger LOG = System.getLogger(LoopSipTimer.class.getName());
    private static final Map<String, TaskLoop> BY_STACK = new ConcurrentHashMap<>();

    private volatile TaskLoop loop;
    private String stackName;

    /** The timer loop of the stack named {@code stackName}, once the stack started it. */
    public static Optional<TaskLoop> loopOf(String stackName) {
        return Optional.ofNullable(BY_STACK.get(stackName));
    }

    @Override
    public void start(SipStackImpl stack, Properties configurationProperties) {
        stackName = stack.getStackName();
        loop = new TaskLoop("sipfleet-sip-timer-" + stackName);
        if (stackName != null) {
            BY_STACK.put(stackName, loop);
        }
    }

    @Override
    public boolean isStarted() {
        return loop != null;
    }

    @Override
    public void stop() {
        TaskLoop l = loop;
        if (l != null) {
            if (stackName != null) {
                BY_STACK.remove(stackName, l);
            }
            l.close();
        }
    }

    @Override
    public boolean schedule(SIPStackTimerTask task, long delay) {
        return arm(task, delay, -1);
    }

    @Override
    public boolean scheduleWithFixedDelay(SIPStackTimerTask task, long delay, long period) {
        return arm(task, delay, period);
    }

    private boolean arm(SIPStackTimerTask task, long delay, long period) {
        TaskLoop l = loop;
        if (l == null) {
            throw new IllegalStateException("The SIP stack timer is not started");
        }
        Handle h = new Handle(l, task, period);
        task.setSipTimerTask(h);
        h.arm(delay);
        return true;
    }

    @Override
    public boolean cancel(SIPStackTimerTask task) {
        if (task.getSipTimerTask() instanceof Handle h) {
            task.cleanUpBeforeCancel();
            task.setSipTimerTask(null);
            return h.cancel();
        }
        return false;
    }

    /** One scheduled stack task; a periodic one is armed again after each run (fixed delay). */
    private static final class Handle {
        private final TaskLoop loop;
        private final SIPStackTimerTask task;
        private final long period;
        private volatile boolean cancelled;
        private volatile TaskLoop.Task current;

        Handle(TaskLoop loop, SIPStackTimerTask task, long period) {
            this.loop = loop;
            this.task = task;
            this.period = period;
        }

        void arm(long delayMs) {
            try {
                current = loop.schedule(Math.max(0, delayMs) * 1_000_000L, this::fire);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                cancelled = true; // the stack's timer stopped (the stack is closing): a periodic task ends here
            }
        }

        private void fire() {
            if (cancelled) {
                return;
            }
            try {
                task.runTask();
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "SIP stack timer task failed", t);
            }
            if (period > 0 && !cancelled) {
                arm(period);
            }
        }

        boolean cancel() {
            boolean was = !cancelled;
            cancelled = true;
            TaskLoop.Task c = current;
            if (c != null) {
                c.cancel();
            }
            return was;
        }
    }
}

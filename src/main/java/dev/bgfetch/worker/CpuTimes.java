package dev.bgfetch.worker;

import java.time.Duration;
import java.util.Optional;

/**
 * CPU time so far, to tell whether the worker has room for more work: {idle, total} in one unit,
 * where total is wall time times the cores and idle what of it the process did not use.
 *
 * <p>The process's own time, not the machine's: a slow link next to someone else's busy build
 * still gains from more connections, while a worker busy compiling or decrypting does not.
 */
interface CpuTimes {
    /** {idle, total} so far, or null when it cannot tell. */
    long[] read();

    /** Whether at least {@code percent}% was idle between two readings; true when that cannot be told. */
    static boolean idle(long[] before, long[] after, int percent) {
        if (before == null || after == null) {
            return true;
        }
        long total = after[1] - before[1];
        long idle = after[0] - before[0];
        return total <= 0 || idle * 100 >= total * percent;
    }

    /** This process on {@code cores} cores (ProcessHandle's CPU duration: /proc/self/stat on Linux). */
    static CpuTimes ofThisProcess(int cores) {
        long origin = System.nanoTime();
        ProcessHandle self = ProcessHandle.current();
        return () -> {
            Optional<Duration> used = self.info().totalCpuDuration();
            if (used.isEmpty()) {
                return null;
            }
            long total = (System.nanoTime() - origin) * Math.max(1, cores);
            return new long[] {total - used.get().toNanos(), total};
        };
    }
}

package dev.bgfetch.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /**
     * This process on {@code cores} cores: its user and system time from {@code /proc/self/stat}
     * (one small read, ~20 us), else ProcessHandle's CPU duration, which on Linux reads the same
     * line plus the command line and more (~1 ms: a quarter of the loop thread's CPU on W2 when it
     * was asked per record).
     */
    static CpuTimes ofThisProcess(int cores) {
        long origin = System.nanoTime();
        ProcessHandle self = ProcessHandle.current();
        Path stat = Path.of("/proc/self/stat");
        return () -> {
            long used = procStatNanos(stat);
            if (used < 0) {
                Optional<Duration> d = self.info().totalCpuDuration();
                if (d.isEmpty()) {
                    return null;
                }
                used = d.get().toNanos();
            }
            long total = (System.nanoTime() - origin) * Math.max(1, cores);
            return new long[] {total - used, total};
        };
    }

    /** utime + stime of a {@code /proc/PID/stat} file in nanoseconds (USER_HZ is 100 on Linux), or -1. */
    static long procStatNanos(Path stat) {
        try {
            String line = new String(Files.readAllBytes(stat), StandardCharsets.US_ASCII);
            // the command name (field 2) is in parentheses and may hold spaces and ')': fields count from the last ')'
            String[] f = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}

package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SplitWidthTest {
    static final long MIB = 1 << 20;
    static final CpuTimes NO_CPU = () -> null;
    final Object a = new Object();
    final Object b = new Object();
    final Object c = new Object();

    static SplitWidth.Probe p(Object conn, long done) {
        return new SplitWidth.Probe(conn, done);
    }

    @Test
    void fastConnectionsStayAtTheNumberOfCores() {
        SplitWidth w = new SplitWidth(2, NO_CPU);
        assertEquals(2, w.allowed(16, 1000, List.of(p(a, 0))), "the first split: as many as the cores");
        long t = 1000;
        for (int i = 1; i <= 40; i++) {
            t += 50;
            long each = i * 25 * MIB; // 500 MiB/s a connection
            assertEquals(2, w.allowed(16, t, List.of(p(a, each), p(b, each - 25 * MIB))));
        }
        assertFalse(w.wide());
    }

    @Test
    void slowConnectionsOpenUpToTheLimitAfterOneWindow() {
        SplitWidth w = new SplitWidth(2, NO_CPU);
        assertEquals(2, w.allowed(16, 1000, List.of(p(a, 0), p(b, 0))));
        assertEquals(2, w.allowed(16, 1050, List.of(p(a, MIB / 2), p(b, MIB / 2))), "judged only after a whole window");
        assertEquals(16, w.allowed(16, 1100, List.of(p(a, MIB), p(b, MIB))), "10 MiB/s a connection: link-bound");
        assertTrue(w.wide());
        assertEquals(16, w.allowed(16, 1150, List.of(p(a, 100 * MIB))), "wide for good, however fast later");
    }

    @Test
    void theFastestConnectionDecides() {
        // b was opened late (or is in its handshake): a alone at 100 MiB/s says the link is fast
        SplitWidth w = new SplitWidth(2, NO_CPU);
        w.allowed(16, 0, List.of(p(a, 0), p(b, 0)));
        assertEquals(2, w.allowed(16, 100, List.of(p(a, 10 * MIB), p(b, 0))));
        assertFalse(w.wide());
        // 64 MiB/s in all over four connections is 16 MiB/s each: slow
        SplitWidth four = new SplitWidth(4, NO_CPU);
        four.allowed(8, 0, List.of(p(a, 0), p(b, 0), p(c, 0)));
        assertEquals(8, four.allowed(8, 100, List.of(p(a, 2 * MIB), p(b, 2 * MIB), p(c, 2 * MIB))));
    }

    @Test
    void onlyConnectionsThatRanTheWholeWindowCount() {
        SplitWidth w = new SplitWidth(2, NO_CPU);
        w.allowed(16, 0, List.of());
        // c began within the window: its few bytes say nothing; no verdict, a new window
        assertEquals(2, w.allowed(16, 100, List.of(p(c, 1000))));
        assertFalse(w.wide());
        assertEquals(16, w.allowed(16, 200, List.of(p(c, 1000 + MIB))), "then judged over a whole window of its own");
    }

    @Test
    void aCountThatWentBackIsNoRate() {
        SplitWidth w = new SplitWidth(2, NO_CPU);
        w.allowed(16, 0, List.of(p(a, 50 * MIB)));
        assertEquals(2, w.allowed(16, 100, List.of(p(a, 0))), "the connection started over: no verdict");
        assertFalse(w.wide());
    }

    @Test
    void aLimitWithinTheCoresIsTheLimitAndOneCoreStillGetsTwo() {
        assertEquals(1, new SplitWidth(8, NO_CPU).allowed(1, 0, List.of(p(a, 0))));
        assertEquals(3, new SplitWidth(8, NO_CPU).allowed(3, 0, List.of(p(a, 0))));
        assertEquals(2, new SplitWidth(1, NO_CPU).allowed(16, 0, List.of(p(a, 0))));
    }

    @Test
    void slowConnectionsOnABusyCpuAreNotWidenedUntilTheCpuHasRoom() {
        long[][] cpu = {{0, 0}};
        SplitWidth w = new SplitWidth(2, () -> cpu[0].clone());
        w.allowed(16, 0, List.of(p(a, 0), p(b, 0)));
        cpu[0] = new long[] {2, 20}; // 10% idle: a fresh JVM compiling, or another program
        assertEquals(2, w.allowed(16, 100, List.of(p(a, 3 * MIB), p(b, 3 * MIB))), "30 MiB/s, but no room for more");
        assertFalse(w.wide());
        cpu[0] = new long[] {2 + 15, 40}; // 75% idle over the next window
        assertEquals(16, w.allowed(16, 200, List.of(p(a, 6 * MIB), p(b, 6 * MIB))));
        assertTrue(w.wide());
    }

    @Test
    void fastConnectionsOnAnIdleCpuStayNarrow() {
        long[][] cpu = {{0, 0}};
        SplitWidth w = new SplitWidth(2, () -> cpu[0].clone());
        w.allowed(16, 0, List.of(p(a, 0)));
        cpu[0] = new long[] {19, 20};
        assertEquals(2, w.allowed(16, 100, List.of(p(a, 20 * MIB))), "200 MiB/s: the link is not what holds it");
    }

    @Test
    void thisProcessCpuTimeCountsItsOwnWork() throws Exception {
        CpuTimes cpu = CpuTimes.ofThisProcess(1);
        long[] before = cpu.read();
        long until = System.nanoTime() + 300_000_000L;
        long x = 0;
        while (System.nanoTime() < until) {
            x += Long.numberOfTrailingZeros(x + System.nanoTime());
        }
        long[] busy = cpu.read();
        assertTrue(x != 0);
        assertFalse(CpuTimes.idle(before, busy, 90), "a spinning thread on one core is not 90% idle");
        Thread.sleep(300);
        long[] after = cpu.read();
        assertTrue(CpuTimes.idle(busy, after, 50), "a sleeping one is");
        assertTrue(CpuTimes.idle(null, after, 50), "unknown: idle");
    }

    @Test
    void procStatTimesCountFromTheLastParenthesisAndAgreeWithProcessHandle() throws Exception {
        java.nio.file.Path fake = java.nio.file.Files.createTempFile("stat", "");
        try {
            // a command name with spaces and a ')' of its own; utime 250 and stime 30 ticks
            java.nio.file.Files.writeString(fake, "4242 (odd) name) S 1 4242 4242 0 -1 4194560 9 0 0 0 250 30 0 0 20 0 3 0 1 2 3\n");
            assertEquals(2_800_000_000L, CpuTimes.procStatNanos(fake));
            java.nio.file.Files.writeString(fake, "garbage");
            assertEquals(-1, CpuTimes.procStatNanos(fake));
        } finally {
            java.nio.file.Files.delete(fake);
        }
        java.nio.file.Path self = java.nio.file.Path.of("/proc/self/stat");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(self), "Linux");
        long ours = CpuTimes.procStatNanos(self);
        long jdk = ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
        assertTrue(ours > 0 && Math.abs(jdk - ours) < 200_000_000L, ours + " against " + jdk);
    }
}

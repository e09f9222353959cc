package dev.bgfetch.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.FetchState;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.RecordResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-file speeds are shares of the group's speed by the bytes of the last seconds, however bursty. */
class TrackerTest {
    private static Fetch fetch(long speed, long... bytes) {
        Fetch f = new Fetch();
        f.key = "k";
        f.id = "k";
        f.state = FetchState.DOWNLOADING;
        f.speed = speed;
        for (int i = 0; i < bytes.length; i++) {
            Rec r = new Rec();
            r.index = i;
            r.request.url = "http://127.0.0.1/f" + i;
            r.downloaded = bytes[i];
            r.total = 100_000_000L;
            f.records.add(r);
        }
        return f;
    }

    @Test
    void aBurstyFileKeepsItsShareAndTheFilesAddUpToTheGroup() {
        Tracker t = new Tracker();
        long ms = 1_000_000;
        // File 0 gets 1 MiB in one burst each second, file 1 a steady 1 MiB/s in small steps.
        long a = 0;
        long b = 0;
        List<FileProgress> last = null;
        for (int tick = 1; tick <= 80; tick++) {
            if (tick % 10 == 0) {
                a += 1 << 20;
            }
            b += (1 << 20) / 10;
            last = t.running(fetch(2 << 20, a, b), tick * 100 * ms);
        }
        assertEquals(2, last.size());
        long sum = last.get(0).speed() + last.get(1).speed();
        assertTrue(Math.abs(sum - (2 << 20)) <= 2, "files add up to the group: " + last);
        for (FileProgress p : last) {
            assertTrue(p.speed() > 0.75 * (1 << 20) && p.speed() < 1.25 * (1 << 20), "about 1 MiB/s each: " + last);
        }
    }

    @Test
    void aFileThatStartsWithABurstHasASpeedAtOnce() {
        Tracker t = new Tracker();
        t.running(fetch(1 << 20, 5 << 20, 0), 0);
        List<FileProgress> r = t.running(fetch(2 << 20, 6 << 20, 1 << 20), 1_000_000_000L);
        assertEquals(2, r.size(), r.toString());
        assertEquals(r.get(0).speed(), r.get(1).speed(), "both got 1 MiB since the last poll: " + r);
    }

    @Test
    void finishedAndUnstartedFilesAreNotRunningAndTheBusiestComesFirst() {
        Tracker t = new Tracker();
        t.running(fetch(300, 0, 10, 10), 0);
        Fetch f = fetch(300, 0, 110, 310);
        f.records.get(1).result = RecordResult.SUCCESS;
        List<FileProgress> r = t.running(f, 1_000_000_000L);
        assertEquals(1, r.size(), r.toString());
        assertEquals(2, r.get(0).index());
        assertEquals(300, r.get(0).speed());
    }
}

package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.RecordResult;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The run's counts (connections, finished, deliverable, where the queue starts) are kept as its
 * records move rather than recounted each pass: they must always equal a recount.
 */
class FetchRunTest {

    private static FetchRun run(int records, int hosts, int alreadyDone) {
        Fetch f = new Fetch();
        f.key = "k";
        f.id = "id";
        for (int i = 0; i < records; i++) {
            Rec r = new Rec();
            r.index = i;
            r.request.url = "http://127.0.0.1:" + (8000 + i % hosts) + "/f" + i;
            if (i < alreadyDone) {
                r.result = RecordResult.SUCCESS;
                r.path = "/tmp/f" + i;
            }
            f.records.add(r);
        }
        return new FetchRun(f);
    }

    private static void assertCountsMatchARecount(FetchRun r) {
        List<RecordRun> running = r.records.stream().filter(j -> j.phase() == RecordRun.Phase.RUNNING)
                .collect(Collectors.toList());
        assertEquals(running.size(), r.running(), "connections");
        assertEquals(running.stream().filter(j -> j.host.endsWith(":8000")).count(), r.runningOn("127.0.0.1:8000"));
        assertEquals(running.stream().collect(Collectors.toSet()), r.runningRecords().stream().collect(Collectors.toSet()));
        assertEquals(r.records.stream().allMatch(j -> j.isDone() || j.phase() == RecordRun.Phase.DELIVERABLE),
                r.allFinished(), "all finished");
        assertEquals(r.records.stream().anyMatch(j -> j.phase() == RecordRun.Phase.DELIVERABLE), r.anyDeliverable());
        int first = r.firstQueued();
        for (int i = 0; i < Math.min(first, r.records.size()); i++) {
            assertTrue(r.records.get(i).phase() != RecordRun.Phase.QUEUED, "job " + i + " is queued before " + first);
        }
        if (first < r.records.size()) {
            assertEquals(RecordRun.Phase.QUEUED, r.records.get(first).phase());
        }
    }

    @Test
    void countsFollowEveryStepOfEveryRecord() {
        FetchRun r = run(60, 3, 5);
        assertEquals(3, r.hostCount);
        assertEquals(5, r.firstQueued(), "the records done before the worker started are not queued");
        assertFalse(r.allFinished());
        Random rnd = new Random(42);
        for (int step = 0; step < 20_000; step++) {
            RecordRun j = r.records.get(rnd.nextInt(r.records.size()));
            switch (j.phase()) {
                case QUEUED:
                    j.start();
                    break;
                case RUNNING:
                    switch (rnd.nextInt(5)) {
                        case 0: j.bodyComplete(); break;
                        case 1: j.requeue(); break;
                        case 2: j.waitForNetwork("down", n -> 0); break;
                        case 3: j.retryLater("503", 0); break;
                        default: j.failed(RecordResult.BAD_STATUS, "404"); break;
                    }
                    break;
                case DELIVERABLE:
                    if (rnd.nextBoolean()) {
                        j.delivered(java.nio.file.Path.of("/tmp/x"));
                    }
                    break;
                case DONE:
                default:
                    break;
            }
            assertCountsMatchARecount(r);
        }
        for (RecordRun j : r.records) {
            if (!j.isDone()) {
                j.aborted();
            }
        }
        assertCountsMatchARecount(r);
        assertTrue(r.allFinished());
        assertEquals(r.records.size(), r.firstQueued());
    }
}

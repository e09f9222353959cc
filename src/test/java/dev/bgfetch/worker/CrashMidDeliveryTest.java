package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.FetchResult;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.Store;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker killed while it renames finished bodies (a hard link to the final name, then the .part's
 * unlink, then the success line) leaves files the next worker takes as delivered: not fetched again
 * under NAME.1.EXT, and not refused as a .part with another hard link.
 */
class CrashMidDeliveryTest {
    @TempDir
    Path tmp;

    @Test
    void aBodysLengthIsJournaledBeforeItsRename() throws Exception {
        Store store = Store.open(tmp.resolve("home"));
        Path dl = Files.createDirectories(tmp.resolve("dl"));
        Fetch f = new Fetch();
        f.id = "j";
        f.dir = dl.toString();
        Rec rec = new Rec();
        rec.request.url = "http://127.0.0.1:9/a.bin";
        f.records.add(rec);
        f = store.register(f);
        FetchRun r = new FetchRun(store.byKey(f.key).orElseThrow());
        Names names = new Names(store);
        StoreSync sync = new StoreSync(store, new Delivery(store, names, false));
        RecordRun j = r.records.get(0);
        names.reserve(j);
        sync.persist(r, x -> { }); // the name is durable before the first byte
        Path part = Naming.part(j.target);
        Files.write(part, new byte[1000]);
        j.start();
        j.total = 1000L;
        j.bodyComplete();
        j.wrote(Files.readAttributes(part, BasicFileAttributes.class).fileKey());
        Path journal = store.home().resolve("active").resolve(f.key).resolve("records.jsonl");
        int before = Files.readAllLines(journal).size();

        sync.persist(r, x -> { });

        List<String> lines = Files.readAllLines(journal);
        List<String> added = lines.subList(before, lines.size());
        assertEquals(2, added.size(), String.join("\n", added));
        assertTrue(added.get(0).contains("\"total\":1000") && !added.get(0).contains("\"result\":\"success\""),
                "the length first, on its own: " + added.get(0));
        assertTrue(added.get(1).contains("\"result\":\"success\""), added.get(1));
        assertTrue(Files.isRegularFile(dl.resolve("a.bin")));
        assertFalse(Files.exists(part));
    }

    @Test
    void aWorkerKilledBetweenTheLinkAndTheUnlinkLeavesItsFileDelivered() throws Exception {
        byte[] data = TestServer.randomBytes(50_000, 3);
        try (TestServer server = TestServer.start(); Cli cli = new Cli(tmp)) {
            server.file("/data.bin", data);
            Path dl = Files.createDirectories(tmp.resolve("dl"));
            Fetch f = new Fetch();
            f.id = "mid";
            f.dir = dl.toString();
            Rec rec = new Rec();
            rec.request.url = server.url("/data.bin");
            f.records.add(rec);
            f = cli.store().register(f);
            // as a worker killed between the two steps of the rename leaves it
            Path target = dl.resolve("data.bin");
            Files.write(target, data);
            Files.createLink(Naming.part(target), target);
            cli.store().update(f.key, x -> {
                x.records.get(0).target = target.toString();
                x.records.get(0).total = (long) data.length;
            });

            assertEquals(0, cli.run("wait", "mid").code, cli.workerLog());

            Fetch done = cli.store().find("mid").orElseThrow();
            assertEquals(FetchResult.SUCCESS, done.result);
            assertEquals(target.toString(), done.records.get(0).path);
            // counted whole, as a delivery is (it said "downloaded": 0 with success)
            assertEquals(data.length, done.records.get(0).downloaded);
            assertEquals(data.length, done.downloaded);
            assertEquals(List.of("data.bin"), ResilienceTest.names(dl), "no duplicate, no .part left");
            assertArrayEquals(data, Files.readAllBytes(target));
            assertTrue(server.requests("/data.bin").isEmpty(), "not fetched again");
        }
    }
}

package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.cli.ExitCodes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.FetchState;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.RecordResult;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands from another process racing the worker (SPEC §2 pause, §4.12 "an abort always wins"):
 * each test repeats its race at random instants, because one lucky run proves nothing.
 */
class RaceTest {
    static final Duration T = Duration.ofSeconds(40);
    static final int ROUNDS = 10;

    @TempDir
    Path tmp;
    TestServer server;
    Cli cli;
    final long seed = System.nanoTime();
    final Random random = new Random(seed);

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.start();
        cli = new Cli(tmp).config("retry-max-delay", "1s");
    }

    @AfterEach
    void tearDown() {
        cli.close();
        server.close();
    }

    @Test
    void aPauseHoldsEveryTransferOfTheFetchWhenEverItLands() throws Exception {
        int files = 3;
        byte[][] bodies = new byte[files][];
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            bodies[i] = TestServer.randomBytes(400_000, 60 + i);
            server.file("/p" + i + ".bin", bodies[i]);
            urls.add(server.url("/p" + i + ".bin"));
        }
        for (int round = 0; round < ROUNDS; round++) {
            String id = "p" + round;
            Path dir = tmp.resolve(id);
            for (int i = 0; i < files; i++) {
                server.throttle("/p" + i + ".bin", 250_000);
            }
            List<String> args = new ArrayList<>(List.of("fetch", id, "-d", dir.toString()));
            args.addAll(urls);
            assertEquals(0, cli.run(args.toArray(new String[0])).code);
            // At once or a little later: before the worker picks the fetch up, while it reserves the
            // names and launches the transfers, or while the bodies flow.
            int delay = random.nextInt(4) == 0 ? 0 : random.nextInt(150);
            Thread.sleep(delay);
            assertEquals(0, cli.run("pause", id).code);
            Thread.sleep(700); // the worker looks at the store every 25 ms; margin for a loaded machine
            Map<String, Long> held = sizes(dir);
            Thread.sleep(800);
            String where = "round " + round + " (pause " + delay + " ms after fetch, seed " + seed + ")";
            assertEquals(held, sizes(dir), where + ": nothing is written while paused");
            Fetch paused = cli.store().find(id).orElseThrow();
            assertEquals(FetchState.PAUSED, paused.state, where);
            assertEquals("", paused.result.wire(), where);

            for (int i = 0; i < files; i++) {
                server.throttle("/p" + i + ".bin", 0);
            }
            assertEquals(0, cli.run("resume", id).code);
            assertEquals(0, cli.run("wait", id, "--timeout", "30s").code, where + cli.workerLog());
            for (int i = 0; i < files; i++) {
                assertArrayEquals(bodies[i], Files.readAllBytes(dir.resolve("p" + i + ".bin")), where);
            }
        }
    }

    @Test
    void anAbortRacingCompletionEitherKeepsASuccessfulRecordOrLeavesNoFile() throws Exception {
        int files = 5;
        byte[][] bodies = new byte[files][];
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            bodies[i] = TestServer.randomBytes(30_000, 70 + i);
            server.file("/a" + i + ".bin", bodies[i]);
            // Staggered so that records finish all through the window the abort is aimed at.
            server.throttle("/a" + i + ".bin", 60_000 + 60_000L * i);
            urls.add(server.url("/a" + i + ".bin"));
        }
        for (int round = 0; round < ROUNDS; round++) {
            String id = "a" + round;
            Path dir = tmp.resolve(id);
            Path marker = tmp.resolve(id + ".hook");
            String hook = "echo ran > '" + marker + "'";
            List<String> args = new ArrayList<>(List.of("fetch", id, "-d", dir.toString(),
                    "--on-abort", hook, "--on-success", hook, "--on-fail", hook));
            args.addAll(urls);
            assertEquals(0, cli.run(args.toArray(new String[0])).code);
            int delay = random.nextInt(600);
            Thread.sleep(delay);
            int code = cli.run("abort", id).code;
            assertTrue(code == ExitCodes.OK || code == ExitCodes.INVALID_STATE, "abort exit " + code);
            long end = System.nanoTime() + T.toNanos();
            while (!Files.exists(marker) && System.nanoTime() < end) {
                Thread.sleep(20); // the hook runs once the worker is done with the fetch
            }
            assertTrue(Files.exists(marker), "hook ran; " + cli.workerLog());

            String where = "round " + round + " (abort " + delay + " ms after fetch, seed " + seed + ")";
            Fetch f = cli.store().find(id).orElseThrow();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < files; i++) {
                Rec r = f.records.get(i);
                Path name = dir.resolve("a" + i + ".bin");
                boolean delivered = r.result == RecordResult.SUCCESS && name.toString().equals(r.path)
                        && Arrays.equals(bodies[i], Files.readAllBytes(name));
                boolean nothing = !Files.exists(name, LinkOption.NOFOLLOW_LINKS)
                        && !Files.exists(Naming.part(name), LinkOption.NOFOLLOW_LINKS);
                assertTrue(delivered || nothing, where + ": record " + i + " is " + r.result + " with path "
                        + r.path + ", yet on disk: " + FileSafetyTest.names(dir));
                if (delivered) {
                    expected.add(name.getFileName().toString());
                }
            }
            assertEquals(expected, FileSafetyTest.names(dir), where + ": no other file, no .part left");
        }
    }

    static Map<String, Long> sizes(Path dir) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                out.put(p.getFileName().toString(), Files.size(p));
            }
        }
        return out;
    }

    @Test
    void aFetchPickedUpAlreadyPausedStartsNothing() throws Exception {
        server.file("/x.bin", TestServer.randomBytes(100_000, 80));
        Fetch f = new Fetch();
        f.id = "held";
        f.dir = Files.createDirectories(tmp.resolve("held")).toString();
        f.state = FetchState.PAUSED;
        Rec r = new Rec();
        r.request.url = server.url("/x.bin");
        f.records.add(r);
        cli.store().register(f);
        cli.run("worker", "--stop");
        assertEquals(0, new ProcessBuilder(WorkerLauncher.command(cli.store())).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("worker.out").toFile()).start().waitFor(), "the worker idles out");
        assertTrue(server.requests("/x.bin").isEmpty(), "no request for a paused fetch");
        assertFalse(Files.exists(Path.of(f.dir).resolve("x.bin.part")));
        assertEquals(0, cli.run("resume", "held").code);
        assertEquals(0, cli.run("wait", "held").code, cli.workerLog());
    }
}

package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.Proc;
import dev.bgfetch.support.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code watch --json}: a compact JSON object per line per change, the last line of each fetch its final state. */
class WatchJsonTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static List<JsonNode> lines(String out) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (!l.isBlank()) {
                assertFalse(l.contains("\u001b"), "never escape codes on stdout: " + l);
                nodes.add(JSON.readTree(l)); // each line is a whole document
            }
        }
        return nodes;
    }

    @Test
    void eachLineIsACompactObjectWithProgressAndTheLastIsTheFinalState() throws Exception {
        try (TestServer server = TestServer.start(); Cli cli = new Cli(tmp)) {
            for (String name : List.of("/a.bin", "/b.bin")) {
                server.file(name, TestServer.randomBytes(600_000, name.length()));
                server.throttle(name, 300_000);
            }
            assertEquals(0, cli.run("fetch", "j", server.url("/a.bin"), server.url("/b.bin"),
                    "-d", tmp.resolve("dl").toString(), "-t", "t\u001b[2J").code);
            long start = System.nanoTime();
            Cli.Result r = cli.run("watch", "j", "--json");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(0, r.code, r.toString());
            assertEquals("", r.err, "nothing but JSON: " + r);
            List<JsonNode> nodes = lines(r.out);
            assertTrue(nodes.size() >= 3, "a line per change while bytes flow: " + r.out);
            assertTrue(nodes.size() <= seconds * 4 * 2 + 4, "debounced: " + nodes.size() + " lines in " + seconds + " s");
            boolean sawRunning = false;
            long lastBytes = -1;
            for (JsonNode n : nodes.subList(0, nodes.size() - 1)) {
                assertEquals("j", n.get("id").textValue());
                assertEquals("t\u001b[2J", n.get("title").textValue(), "JSON keeps the exact string");
                assertTrue(n.has("speed") && n.has("eta") && n.has("downloaded") && n.has("downloadTotal"), n.toString());
                assertTrue(n.get("downloaded").asLong() >= lastBytes, "bytes never go back: " + r.out);
                lastBytes = n.get("downloaded").asLong();
                for (JsonNode f : n.get("running")) {
                    sawRunning = true;
                    assertTrue(f.has("index") && f.has("name") && f.has("downloaded") && f.has("total") && f.has("speed"), f.toString());
                }
            }
            assertTrue(sawRunning, "the running records' progress is there: " + r.out);
            JsonNode last = nodes.get(nodes.size() - 1);
            assertEquals("settled", last.get("state").textValue(), last.toString());
            assertEquals("success", last.get("result").textValue(), last.toString());
            assertEquals(1_200_000, last.get("downloaded").asLong());
        }
    }

    @Test
    void aStdoutThatFailsEndsTheWatchAtOnceNotWhenTheFetchSettles() throws Exception {
        try (TestServer server = TestServer.start(); Cli cli = new Cli(tmp)) {
            server.file("/slow.bin", TestServer.randomBytes(4_000_000, 7));
            server.throttle("/slow.bin", 200_000); // 20 s
            assertEquals(0, cli.run("fetch", "s", server.url("/slow.bin"), "-d", tmp.resolve("dl").toString()).code);
            // as `watch --json | head -1` or `>/dev/full`: the first line is written, the next write fails
            java.io.Writer failing = new java.io.Writer() {
                int lines;

                @Override
                public void write(char[] buf, int off, int len) throws java.io.IOException {
                    if (lines > 0) {
                        throw new java.io.IOException("No space left on device");
                    }
                    for (int i = off; i < off + len; i++) {
                        lines += buf[i] == '\n' ? 1 : 0;
                    }
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            Cli.Result r = cli.run(failing, "watch", "s", "--json");
            // it followed on until the fetch settled, writing into the void
            assertFalse(cli.store().find("s").orElseThrow().hasSettled(), "the watch ended while the fetch went on");
            assertEquals(ExitCodes.FAILURE, r.code, r.toString());
            assertTrue(r.err.contains("cannot write to stdout"), r.err);
            assertEquals(0, cli.run("abort", "s", "-q").code);
        }
    }

    @Test
    void watchWithoutIdsFollowsFetchesRegisteredAfterItStartedAndEndsWhenNothingIsActive() throws Exception {
        try (TestServer server = TestServer.start(); Cli cli = new Cli(tmp)) {
            server.file("/slow.bin", TestServer.randomBytes(900_000, 1));
            server.throttle("/slow.bin", 300_000);
            server.file("/late.bin", TestServer.randomBytes(10_000, 2));
            String dl = tmp.resolve("dl").toString();
            assertEquals(0, cli.run("fetch", "first", server.url("/slow.bin"), "-d", dl).code);
            Process watch = Proc.start(cli.home(), "watch", "--json");
            // Its first line (of "first") says it runs and knows what came before it; a fixed sleep was
            // shorter than a JVM start on a loaded machine, and "second" then came before the watch.
            java.io.BufferedReader watchOut = new java.io.BufferedReader(
                    new java.io.InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8));
            String firstLine = watchOut.readLine();
            assertTrue(firstLine != null && firstLine.contains("\"id\":\"first\""), String.valueOf(firstLine));
            assertEquals(0, cli.run("fetch", "second", server.url("/late.bin"), "-d", dl).code);
            // Small ones on a running worker settle within milliseconds, between two polls of watch.
            for (int i = 0; i < 5; i++) {
                assertEquals(0, cli.run("fetch", "tiny" + i, server.url("/late.bin"), "-d", dl).code);
            }
            assertTrue(watch.waitFor(60, TimeUnit.SECONDS), "watch ends when nothing is active");
            StringBuilder rest = new StringBuilder(firstLine).append('\n');
            for (String line = watchOut.readLine(); line != null; line = watchOut.readLine()) {
                rest.append(line).append('\n');
            }
            String out = rest.toString();
            assertEquals(0, watch.exitValue(), out);
            List<JsonNode> nodes = lines(out);
            JsonNode lastFirst = null;
            JsonNode lastSecond = null;
            for (JsonNode n : nodes) {
                if ("first".equals(n.get("id").textValue())) {
                    lastFirst = n;
                } else if ("second".equals(n.get("id").textValue())) {
                    lastSecond = n;
                }
            }
            assertTrue(lastSecond != null, "the fetch registered later appears: " + out);
            for (int i = 0; i < 5; i++) {
                assertTrue(out.contains("\"id\":\"tiny" + i + "\""), "tiny" + i + " appears: " + out);
            }
            assertEquals("settled", lastFirst.get("state").textValue(), out);
            assertEquals("settled", lastSecond.get("state").textValue(), out);
        }
    }

    @Test
    void anUnknownIdIs3AndNothingActiveEndsAtOnce() throws Exception {
        try (Cli cli = new Cli(tmp)) {
            Cli.Result unknown = cli.run("watch", "nope", "--json");
            assertEquals(ExitCodes.NOT_FOUND, unknown.code, unknown.toString());
            assertEquals("", unknown.out);
            Cli.Result none = cli.run("watch");
            assertEquals(0, none.code, none.toString());
            assertTrue(none.err.contains("nothing to watch"), none.err);
        }
    }
}

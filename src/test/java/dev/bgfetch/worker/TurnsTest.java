package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.FetchResult;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fetches take turns for connections as they come free: one registered later does not wait for a whole group to start. */
class TurnsTest {
    @TempDir
    Path tmp;

    @Test
    void aFetchRegisteredWhileAGroupRunsGetsTheNextFreeConnection() throws Exception {
        try (TestServer server = TestServer.start(); Cli cli = new Cli(tmp)) {
            cli.config("max-per-host", "1");
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                server.file("/g" + i, TestServer.randomBytes(100_000, i));
                server.throttle("/g" + i, 250_000); // one at a time, 0.4 s each
                lines.add(server.url("/g" + i));
            }
            server.file("/one", TestServer.randomBytes(1000, 99));
            Path input = Files.write(tmp.resolve("list.txt"), lines);
            assertEquals(0, cli.run("fetch", "group", "-i", input.toString(), "-d", tmp.resolve("a").toString()).code);
            server.awaitRequests("/g0", 1, Duration.ofSeconds(30));
            assertEquals(0, cli.run("fetch", "one", server.url("/one"), "-d", tmp.resolve("b").toString()).code);
            Fetch one = cli.await("one", Fetch::hasSettled, Duration.ofSeconds(60));
            assertEquals(FetchResult.SUCCESS, one.result);
            List<String> order = server.requests().stream().map(TestServer.Req::path).toList();
            // the group's first file was running when "one" came; the second may have started as it was picked up
            assertTrue(order.indexOf("/one") <= 2, "requests in order: " + order);
            Fetch group = cli.await("group", Fetch::hasSettled, Duration.ofSeconds(60));
            assertEquals(FetchResult.SUCCESS, group.result);
        }
    }
}

package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.FetchResult;
import dev.bgfetch.state.Rec;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group's first transfers wait only for their own names and a few more to be durable, not for the
 * whole group's; the rest are reserved in one later batch, and every file still lands.
 */
class ReserveAheadTest {
    @TempDir
    Path tmp;

    @Test
    void theFirstBatchReservesTheStartersAndSixtyFourMore() throws Exception {
        int n = 200;
        try (TestServer server = TestServer.start(); Cli cli = new Cli(tmp)) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                server.file("/f" + i, TestServer.randomBytes(1000, i));
                if (i < 6) {
                    server.stallAfter("/f" + i, 0, 5000, 1); // the first transfers hold their connections
                }
                lines.add(server.url("/f" + i));
            }
            Path input = Files.write(tmp.resolve("list.txt"), lines);
            Path dir = tmp.resolve("dl");
            Cli.Result r = cli.run("fetch", "g", "-i", input.toString(), "-d", dir.toString(), "--max-per-host", "6");
            assertEquals(0, r.code, r.toString());
            server.awaitRequests("/f5", 1, Duration.ofSeconds(30)); // the sixth starter is in its stall
            Fetch f = cli.store().find("g").orElseThrow();
            assertEquals(6 + 64, named(f), "the starters and the 64 after them");
            Fetch done = cli.await("g", Fetch::hasSettled, Duration.ofSeconds(90));
            assertEquals(FetchResult.SUCCESS, done.result, done.failureReason.wire());
            assertEquals(n, named(done));
            try (var files = Files.list(dir)) {
                assertEquals(n, files.count());
            }
        }
    }

    private static long named(Fetch f) {
        long c = 0;
        for (Rec rec : f.records) {
            if (rec.target != null) {
                c++;
            }
        }
        return c;
    }
}

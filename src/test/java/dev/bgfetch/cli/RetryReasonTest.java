package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.FetchState;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** While a fetch waits for the network, get and get --json say why and when the next attempt is. */
class RetryReasonTest {
    static final Duration T = Duration.ofSeconds(40);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void getShowsTheLastNetworkErrorAndTheNextAttemptUntilBytesFlow() throws Exception {
        try (TestServer server = TestServer.start(); Cli cli = new Cli(tmp)) {
            cli.config("retry-max-delay", "1s");
            server.file("/a.bin", TestServer.randomBytes(50_000, 9));
            server.stop(); // connection refused
            assertEquals(0, cli.run("fetch", "net", server.url("/a.bin"), "-d", tmp.resolve("dl").toString()).code);
            cli.await("net", f -> f.state == FetchState.WAITING_FOR_NETWORK && f.records.get(0).networkError != null, T);

            JsonNode rec = JSON.readTree(cli.run("get", "net", "--json").out).get("records").get(0);
            String error = rec.get("networkError").textValue();
            assertTrue(error.toLowerCase().contains("refused"), error);
            Instant.parse(rec.get("retryAt").textValue()); // an ISO-8601 instant
            Cli.Result human = cli.run("get", "net");
            assertTrue(human.out.contains("retrying: " + error + "; next attempt at "), human.out);

            server.restart();
            assertEquals(0, cli.run("wait", "net", "--timeout", "40s").code, cli.workerLog());
            JsonNode done = JSON.readTree(cli.run("get", "net", "--json").out).get("records").get(0);
            assertTrue(done.get("networkError").isNull(), done.toString());
            assertTrue(done.get("retryAt").isNull(), done.toString());
            assertTrue(!cli.run("get", "net").out.contains("retrying:"));
        }
    }
}

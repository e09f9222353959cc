package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.RawServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §4.1 and §4.7 on the wire: the real worker requests what the user pasted byte for byte
 * (presigned URLs, escaped names), encodes only what no URL may hold raw, and names files from the
 * decoded segment. A raw socket server records each request line exactly as it arrived.
 */
class UrlFlowTest {
    static final Duration T = Duration.ofSeconds(40);

    @TempDir
    Path tmp;
    RawServer raw;
    Cli cli;
    Path dl;

    @BeforeEach
    void setUp() throws Exception {
        raw = RawServer.start(line -> RawServer.ok("body of " + line));
        cli = new Cli(tmp);
        dl = tmp.resolve("dl");
    }

    @AfterEach
    void tearDown() {
        cli.close();
        raw.close();
    }

    @Test
    void whatGoesOnTheWireIsWhatTheUserGave() throws Exception {
        String[][] cases = {
                // given (after http://127.0.0.1:PORT) | request target on the wire | file name
                {"/a%2Fb.bin", "/a%2Fb.bin", "a_b.bin"},
                {"/hello%20world.txt", "/hello%20world.txt", "hello world.txt"},
                {"/double%252F.txt", "/double%252F.txt", "double%2F.txt"},
                {"/a+b;v=1.txt", "/a+b;v=1.txt", "a+b;v=1.txt"},
                {"//double//slashes.txt", "//double//slashes.txt", "slashes.txt"},
                {"/x/./y/../dots.txt", "/x/dots.txt", "dots.txt"},
                {"/keep/%2e%2e/escaped-dots.txt", "/keep/%2e%2e/escaped-dots.txt", "escaped-dots.txt"},
                {"/s3.bin?X-Amz-Credential=AKIA%2F20240101%2Fus-east-1&X-Amz-Signature=ab%3Dcd&e=f=g",
                        "/s3.bin?X-Amz-Credential=AKIA%2F20240101%2Fus-east-1&X-Amz-Signature=ab%3Dcd&e=f=g", "s3.bin"},
                {"/with space.txt", "/with%20space.txt", "with space.txt"},
                {"/ünï.txt", "/%C3%BCn%C3%AF.txt", "ünï.txt"},
                {"/q.txt?q=a b&r=ü", "/q.txt?q=a%20b&r=%C3%BC", "q.txt"},
        };
        List<String> args = new ArrayList<>(List.of("fetch", "wire"));
        for (String[] c : cases) {
            args.add(raw.url(c[0]));
        }
        args.addAll(List.of("-d", dl.toString(), "--wait"));
        Cli.Result r = cli.run(args.toArray(new String[0]));
        assertEquals(0, r.code, r + cli.workerLog());

        TreeSet<String> expected = new TreeSet<>();
        for (String[] c : cases) {
            expected.add("GET " + c[1] + " HTTP/1.1");
        }
        assertEquals(expected, new TreeSet<>(raw.requestLines()), "each request line exactly as it reached the server");

        Fetch f = cli.store().find("wire").orElseThrow();
        for (int i = 0; i < cases.length; i++) {
            Rec rec = f.records.get(i);
            assertEquals(raw.url(cases[i][1]), rec.request.url, "the record shows the URL as requested");
            assertEquals(dl.resolve(cases[i][2]).toString(), rec.path, cases[i][0]);
            assertEquals("body of GET " + cases[i][1] + " HTTP/1.1", Files.readString(Path.of(rec.path)));
        }
        try (Stream<Path> files = Files.list(dl)) {
            assertEquals(cases.length, files.filter(Files::isRegularFile).count(), "no directory was made from %2F");
        }
    }

    @Test
    void aRedirectToAUtf8LocationIsFollowedAndEncoded() throws Exception {
        byte[] redirect = RawServer.concat(RawServer.bytes("HTTP/1.1 301 Moved\r\nLocation: "),
                RawServer.concat("../files/résumé 2024.pdf".getBytes(StandardCharsets.UTF_8),
                        RawServer.bytes("\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")));
        try (RawServer server = RawServer.start(line -> line.startsWith("GET /old/cv ")
                ? redirect : RawServer.ok("pdf"))) {
            Cli.Result r = cli.run("fetch", "cv", server.url("/old/cv"), "-d", dl.toString(), "--wait");
            assertEquals(0, r.code, r + cli.workerLog());
            assertEquals(List.of("GET /old/cv HTTP/1.1", "GET /files/r%C3%A9sum%C3%A9%202024.pdf HTTP/1.1"),
                    server.requestLines());
            Rec rec = cli.store().find("cv").orElseThrow().records.get(0);
            assertEquals(server.url("/old/cv"), rec.request.url);
            assertEquals(server.url("/files/r%C3%A9sum%C3%A9%202024.pdf"), rec.response.url);
        }
    }

    @Test
    void matchUsesTheSameRulesAsRegistration() throws Exception {
        Cli.Result r = cli.run("fetch", "m", raw.url("/dir/ünï file.txt?x=1#frag"), raw.url("/other.txt"),
                "-d", dl.toString(), "--wait");
        assertEquals(0, r.code, r + cli.workerLog());
        for (String asked : new String[] {raw.url("/dir/ünï file.txt?x=1"), raw.url("/dir/%C3%BCn%C3%AF%20file.txt?x=1"),
                raw.url("/dir/./ünï file.txt?x=1#other"),
                "HTTP://127.0.0.1:" + raw.port() + "/dir/%C3%BCn%C3%AF%20file.txt?x=1"}) {
            Cli.Result m = cli.run("match", "m", asked);
            assertEquals(0, m.code, asked + " " + m);
            assertEquals(1, m.out.lines().count(), m.out);
            assertTrue(m.out.startsWith("0\t"), m.out);
        }
        Cli.Result ignoring = cli.run("match", "m", raw.url("/dir/ünï file.txt?y=2"), "--ignore-search");
        assertEquals(0, ignoring.code, ignoring.toString());
        assertEquals(ExitCodes.NOT_FOUND, cli.run("match", "m", raw.url("/dir/ünï file.txt?y=2")).code);
        List<String> bodies = Files.readAllLines(dl.resolve("ünï file.txt")).stream().collect(Collectors.toList());
        assertEquals(List.of("body of GET /dir/%C3%BCn%C3%AF%20file.txt?x=1 HTTP/1.1"), bodies);
    }
}

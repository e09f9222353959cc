package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.progress.Format;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.Proc;
import dev.bgfetch.support.TestServer;
import dev.bgfetch.support.Tmux;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live view in a real terminal (tmux): {@code watch}, {@code wait} and {@code list} as a user at a
 * terminal sees them, the worker a real process and the server throttled so bytes flow for seconds.
 */
class WatchTest {
    static final Duration T = Duration.ofSeconds(40);

    @TempDir
    Path tmp;

    @BeforeAll
    static void needTmux() {
        if (System.getenv("CI") != null) {
            assertTrue(Tmux.available(), "tmux is missing: .ci/run installs it");
        }
        Assumptions.assumeTrue(Tmux.available(), "no tmux here");
    }

    /** Three throttled files, one fetch; returns the server. */
    private static TestServer slowFiles(TestServer server, long rate) {
        for (String name : List.of("/ep-5.mp3", "/art.jpg", "/notes.txt")) {
            server.file(name, TestServer.randomBytes(1_200_000, name.length()));
            server.throttle(name, rate);
        }
        return server;
    }

    private Tmux terminal(Cli cli, int width, int height, String... args) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("NO_COLOR", null);
        env.put("COLUMNS", null);
        return Tmux.start(tmp.resolve("tty"), width, height, env, Proc.command(cli.home(), args));
    }

    private static List<String> withText(List<String> screen, String text) {
        List<String> out = new ArrayList<>();
        for (String l : screen) {
            if (l.contains(text)) {
                out.add(l);
            }
        }
        return out;
    }

    @Test
    void watchShowsAGroupLineAndALinePerRunningFileThatMoveFollowAResizeAndEndWithTheExitCode() throws Exception {
        try (TestServer server = slowFiles(TestServer.start(), 150_000); Cli cli = new Cli(tmp)) {
            Path dl = tmp.resolve("dl");
            assertEquals(0, cli.run("fetch", "ep5", server.url("/ep-5.mp3"), server.url("/art.jpg"),
                    server.url("/notes.txt"), "-d", dl.toString(), "-t", "Episode 5 日本語").code);
            try (Tmux tty = terminal(cli, 100, 20, "watch", "ep5")) {
                List<String> first = tty.awaitScreen(s -> withText(s, "ep5  Episode 5").size() == 1
                        && withText(s, "ep-5.mp3").size() == 1 && withText(s, "art.jpg").size() == 1
                        && withText(s, "notes.txt").size() == 1 && withText(s, "/s").size() >= 4, T);
                String group = withText(first, "ep5  Episode 5").get(0);
                assertTrue(group.contains("0/3 files") && group.contains("[") && group.contains("%"), group);
                assertTrue(withText(first, "ep-5.mp3").get(0).startsWith("  "), "file lines are indented: " + first);
                for (String l : first) {
                    assertTrue(Format.columns(l) < 100, "no line wraps: " + l);
                }
                List<String> later = tty.awaitScreen(s -> !withText(s, "ep5  Episode 5").isEmpty()
                        && !withText(s, "ep5  Episode 5").get(0).equals(group), T);
                assertNotEquals(group, withText(later, "ep5  Episode 5").get(0), "the numbers move");

                tty.resize(50, 20);
                List<String> narrow = tty.awaitScreen(s -> !withText(s, "/3").isEmpty()
                        && s.stream().allMatch(l -> Format.columns(l) < 50), T);
                assertTrue(withText(narrow, "/3").get(0).startsWith("ep5"), "the group line, cut: " + narrow);
                // each line ends with a newline, not a wrap into the next row: a terminal that reflows
                // on widening joined the view's rows into one and drew the next frame over what was above
                List<String> joined = tty.unwrappedScreen();
                assertTrue(joined.size() >= 2 && joined.stream().allMatch(l -> Format.columns(l) < 50),
                        "none joined: " + joined);

                // a few columns: the lines were cut to 10 at least, and wrapped
                tty.resize(6, 20);
                tty.awaitScreen(s -> !s.isEmpty() && s.get(0).startsWith("ep5"), T);
                Thread.sleep(600); // a few repaints at this width
                List<String> tiny = tty.screen();
                assertEquals(4, tiny.size(), "a group line and three file lines, none wrapped: " + tiny);
                assertTrue(tiny.get(0).startsWith("ep5") && tiny.subList(1, 4).stream().allMatch(l -> l.startsWith("  ")),
                        tiny.toString());
                tty.resize(50, 20);

                assertEquals(0, tty.awaitExit(T), String.join("\n", tty.screen()));
                String history = tty.history();
                assertTrue(history.contains("✔ ep5  Episode 5 日本語  success"), history);
                assertFalse(tty.screen().stream().anyMatch(l -> l.contains("ep-5.mp3")), "the view left: " + tty.screen());
            }
            assertTrue(Files.exists(dl.resolve("ep-5.mp3")));
        }
    }

    @Test
    void watchEndsWithTheExitCodeOfTheFailureAndMarksIt() throws Exception {
        try (TestServer server = slowFiles(TestServer.start(), 400_000); Cli cli = new Cli(tmp)) {
            server.status("/gone.bin", 404, "no");
            assertEquals(0, cli.run("fetch", "bad", server.url("/ep-5.mp3"), server.url("/gone.bin"),
                    "-d", tmp.resolve("dl").toString()).code);
            try (Tmux tty = terminal(cli, 80, 12, "watch", "bad")) {
                assertEquals(ExitCodes.BAD_STATUS, tty.awaitExit(T), String.join("\n", tty.screen()));
                String history = tty.history();
                assertTrue(history.contains("✘ bad  failure (bad-status)"), history);
            }
        }
    }

    @Test
    void aLocaleWithoutUtf8GetsAsciiGlyphsAndNoColorKeepsThem() throws Exception {
        try (TestServer server = slowFiles(TestServer.start(), 400_000); Cli cli = new Cli(tmp)) {
            assertEquals(0, cli.run("fetch", "plain", server.url("/ep-5.mp3"), "-d", tmp.resolve("dl").toString()).code);
            Map<String, String> env = new HashMap<>();
            env.put("LANG", "C");
            env.put("COLUMNS", null);
            try (Tmux tty = Tmux.start(tmp.resolve("tty"), 80, 12, env, Proc.command(cli.home(), "watch", "plain"))) {
                // The group's bar has cells to fill only past a few percent: wait for one, not for the first paint.
                List<String> s = tty.awaitScreen(x -> !withText(x, "ep-5.mp3").isEmpty()
                        && withText(x, "plain").stream().anyMatch(l -> l.contains("#")), T);
                assertTrue(withText(s, "plain").get(0).contains("#") && !String.join("", s).contains("█"), s.toString());
                assertEquals(0, tty.awaitExit(T));
                assertTrue(tty.history().contains("ok plain  success"), tty.history());
            }
            assertEquals(0, cli.run("fetch", "uni", server.url("/art.jpg"), "-d", tmp.resolve("dl").toString()).code);
            Map<String, String> noColor = new HashMap<>();
            noColor.put("NO_COLOR", "1");
            try (Tmux tty = Tmux.start(tmp.resolve("tty2"), 80, 12, noColor, Proc.command(cli.home(), "watch", "uni"))) {
                assertEquals(0, tty.awaitExit(T));
                assertTrue(tty.history().contains("✔ uni  success"), "NO_COLOR takes the colour, not the glyphs: "
                        + tty.history());
                assertFalse(tty.screenWithColours().contains("\u001b[32m"), tty.screenWithColours());
            }
        }
    }

    @Test
    void ctrlCDetachesWith130AndTheFetchGoesOn() throws Exception {
        try (TestServer server = slowFiles(TestServer.start(), 100_000); Cli cli = new Cli(tmp)) {
            assertEquals(0, cli.run("fetch", "cc", server.url("/ep-5.mp3"), "-d", tmp.resolve("dl").toString()).code);
            try (Tmux tty = terminal(cli, 80, 12, "watch")) {
                tty.awaitScreen(s -> !withText(s, "ep-5.mp3").isEmpty(), T);
                tty.keys("C-c");
                assertEquals(ExitCodes.INTERRUPTED, tty.awaitExit(T), String.join("\n", tty.screen()));
                assertTrue(tty.screen().stream().noneMatch(l -> l.contains("ep-5.mp3")), "the view is cleared: "
                        + tty.screen());
            }
            Fetch f = cli.store().find("cc").orElseThrow();
            assertTrue(f.isActive(), "Ctrl-C changed nothing: " + f.state);
            assertEquals("success", cli.await("cc", Fetch::hasSettled, T).result.wire());
        }
    }

    @Test
    void waitAndFetchWaitDrawTheSameViewAndAStderrThatIsNoTerminalGetsPlainLines() throws Exception {
        try (TestServer server = slowFiles(TestServer.start(), 200_000); Cli cli = new Cli(tmp)) {
            String dl = tmp.resolve("dl").toString();
            try (Tmux tty = terminal(cli, 90, 12, "fetch", "-w", "fw", server.url("/ep-5.mp3"), server.url("/art.jpg"),
                    "-d", dl)) {
                tty.awaitScreen(s -> withText(s, "fw").size() >= 1 && !withText(s, "ep-5.mp3").isEmpty()
                        && !withText(s, "art.jpg").isEmpty(), T);
                assertEquals(0, tty.awaitExit(T));
                assertTrue(tty.history().contains("✔ fw  success"), tty.history());
            }
            assertEquals(0, cli.run("fetch", "w2", server.url("/notes.txt"), "-d", dl).code);
            Path err = tmp.resolve("wait.err");
            List<String> cmd = new ArrayList<>(List.of("sh", "-c", "exec \"$@\" 2>" + err, "sh"));
            cmd.addAll(Proc.command(cli.home(), "wait", "w2"));
            Map<String, String> env = new HashMap<>();
            try (Tmux tty = Tmux.start(tmp.resolve("tty2"), 90, 12, env, cmd)) {
                assertEquals(0, tty.awaitExit(T));
            }
            String text = Files.readString(err);
            assertFalse(text.contains("\u001b"), "no escape codes in a file: " + text);
            assertTrue(text.contains("ok w2  success"), text);
        }
    }

    @Test
    void listAtATerminalIsATableAsWideAsTheTerminalWithColouredStates() throws Exception {
        try (TestServer server = TestServer.start(); Cli cli = new Cli(tmp)) {
            server.file("/a.bin", TestServer.randomBytes(1000, 1));
            assertEquals(0, cli.run("fetch", "done1", server.url("/a.bin"), "-d", tmp.resolve("dl").toString(), "-w",
                    "-t", "a title that is long enough to be cut at sixty columns for sure").code);
            Map<String, String> staleColumns = new HashMap<>();
            staleColumns.put("COLUMNS", "200"); // exported once, stale since: the terminal's own width wins
            staleColumns.put("NO_COLOR", null);
            try (Tmux tty = Tmux.start(tmp.resolve("tty"), 60, 10, staleColumns, Proc.command(cli.home(), "list", "-a"))) {
                assertEquals(0, tty.awaitExit(T));
                List<String> s = tty.screen();
                assertTrue(s.get(0).startsWith("ID") && s.get(0).contains("STATE"), s.toString());
                assertTrue(withText(s, "done1").get(0).contains("success"), s.toString());
                for (String l : s) {
                    assertTrue(Format.columns(l) <= 60, "as wide as the terminal at most: " + l);
                }
                assertTrue(tty.screenWithColours().contains("\u001b[32msuccess"), tty.screenWithColours());
            }
            Map<String, String> noColor = new HashMap<>();
            noColor.put("NO_COLOR", "1");
            try (Tmux tty = Tmux.start(tmp.resolve("tty3"), 120, 10, noColor, Proc.command(cli.home(), "list", "-a"))) {
                assertEquals(0, tty.awaitExit(T));
                assertFalse(tty.screenWithColours().contains("\u001b[32m"), tty.screenWithColours());
                assertTrue(withText(tty.screen(), "done1").get(0).contains("a title that is long enough to be cut"),
                        "a wider terminal shows more of the title: " + tty.screen());
            }
        }
    }
}

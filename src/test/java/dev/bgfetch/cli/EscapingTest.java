package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgfetch.progress.Format;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §2: human output never carries raw control characters from users or servers; JSON keeps them exactly. */
class EscapingTest {
    static final String HOSTILE = "x\nstate: settled\u001b[31m\u0007";

    @TempDir
    Path tmp;

    private static void assertNoControls(String text) {
        assertFalse(text.chars().anyMatch(c -> c < 0x20 && c != '\n' || c == 0x7f), "raw control character in: " + text);
    }

    @Test
    void getShowsAHostileTitleEscapedAndJsonKeepsItExactly() throws Exception {
        try (TestServer server = TestServer.start(); Cli cli = new Cli(tmp)) {
            server.file("/a.bin", TestServer.randomBytes(1000, 1));
            assertEquals(0, cli.run("fetch", "t", server.url("/a.bin"), "-d", tmp.resolve("dl").toString(),
                    "-t", HOSTILE, "-w").code);
            Cli.Result r = cli.run("get", "t");
            assertEquals(0, r.code, r.toString());
            assertNoControls(r.out);
            assertTrue(r.out.contains("title:          x\\nstate: settled\\x1b[31m\\x07\n"), r.out);
            assertEquals(1, r.out.lines().filter(l -> l.startsWith("state:")).count(), "no forged line: " + r.out);
            assertTrue(r.out.contains("200 OK"), "the reason phrase is shown: " + r.out);
            String json = cli.run("get", "t", "--json").out;
            assertEquals(HOSTILE, new ObjectMapper().readTree(json).get("title").textValue());
        }
    }

    @Test
    void listTableEscapesTitlesAndAlignsWideCharactersByColumns() {
        Fetch ascii = fetch("a", "plain title");
        Fetch cjk = fetch("b", "日本語のタイトル");
        Fetch evil = fetch("c", HOSTILE);
        List<String> lines = ListCommand.table(List.of(ascii, cjk, evil), 200);
        lines.forEach(EscapingTest::assertNoControls);
        assertTrue(lines.get(3).contains("x\\nstate: settled"), lines.get(3));
        int width = Format.columns(lines.get(1));
        assertEquals(width, Format.columns(lines.get(2)), "a CJK title takes two columns a character:\n" + lines);
        assertEquals(width, Format.columns(lines.get(3)), lines.toString());
        int stateColumn = Format.columns(lines.get(1).substring(0, lines.get(1).lastIndexOf("pending")));
        assertEquals(stateColumn, Format.columns(lines.get(2).substring(0, lines.get(2).lastIndexOf("pending"))));
    }

    private static Fetch fetch(String id, String title) {
        Fetch f = new Fetch();
        f.id = id;
        f.title = title;
        return f;
    }

    @Test
    void errorMessagesQuoteUserTextEscaped() throws Exception {
        try (Cli cli = new Cli(tmp)) {
            Cli.Result missing = cli.run("get", "a\u001b[2Jb\nbgfetch: forged");
            assertEquals(ExitCodes.NOT_FOUND, missing.code);
            assertNoControls(missing.err);
            assertTrue(missing.err.contains("a\\x1b[2Jb\\nbgfetch: forged"), missing.err);
            assertEquals(1, missing.err.strip().lines().count(), missing.err);
            Cli.Result option = cli.run("list", "--x\u001b]0;title\u0007");
            assertEquals(ExitCodes.USAGE, option.code);
            assertNoControls(option.err);
            // (control characters in a path are percent-encoded, as browsers do; in a refused URL they are quoted)
            Cli.Result url = cli.run("fetch", "u", "gopher://127.0.0.1/\u001b[31m\nforged");
            assertEquals(ExitCodes.USAGE, url.code);
            assertNoControls(url.err);
            assertTrue(url.err.contains("\\x1b[31m\\nforged"), url.err);
            assertEquals(1, url.err.strip().lines().count(), url.err);
        }
    }
}

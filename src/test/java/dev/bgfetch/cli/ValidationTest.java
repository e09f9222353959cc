package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.support.Cli;
import java.io.IOException;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SPEC §4.1 and §3: every bad input is one line on stderr, exit 2, and nothing stored. */
class ValidationTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "ftp scheme            | ftp://127.0.0.1/a.bin                 | only http and https",
            "file scheme           | file:///etc/passwd                   | only http and https",
            "credentials           | http://user:pw@127.0.0.1:8080/a      | credentials",
            "user only             | https://user@example.org/a           | credentials",
            "blocked port 25       | http://127.0.0.1:25/a                | port 25 is blocked",
            "blocked port 6667     | http://127.0.0.1:6667/a              | port 6667 is blocked",
            "space in host         | http://exa mple.org/a                | host 'exa mple.org' has a character not allowed in a host name: a space",
            "IPv4 out of range     | http://999.1.1.1/x                   | IPv4 address '999.1.1.1' is out of range",
            "port out of range     | http://127.0.0.1:70000/x             | port 70000 is out of range",
            "unclosed IPv6         | http://[::1/x                        | has no closing ']'",
            "no host               | http:///a                            | no host",
            "relative              | /just/a/path                         | only http and https",
    })
    void badUrlsAreRefusedWithExit2AndNothingStored(String name, String url, String message) throws IOException {
        try (Cli cli = new Cli(tmp)) {
            Cli.Result r = cli.run("fetch", "x", url, "-d", tmp.resolve("dl").toString());
            assertEquals(ExitCodes.USAGE, r.code, r.toString());
            assertTrue(r.err.contains(message), r.err);
            assertEquals(1, r.err.strip().lines().count(), "one line: " + r.err);
            assertEquals("", r.out);
            assertTrue(cli.store().active().isEmpty());
        }
    }

    @Test
    void theFirstBadUrlWinsEvenAfterGoodOnes() throws IOException {
        try (Cli cli = new Cli(tmp)) {
            Cli.Result r = cli.run("fetch", "x", "http://127.0.0.1:8080/ok", "gopher://x/", "ftp://y/");
            assertEquals(2, r.code);
            assertTrue(r.err.contains("gopher://x/"), r.err);
            assertTrue(cli.store().active().isEmpty());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty id        | ''          | empty id",
            "blank id        | '   '       | empty id",
            "escape          | a\u001bb    | control characters are not allowed",
            "DEL             | a\u007fb    | control characters are not allowed",
            "C1 CSI          | a\u009bb    | control characters are not allowed",
            "C1 NEL          | a\u0085b    | control characters are not allowed",
    })
    void badIdsAreRefusedAndNothingIsStored(String name, String id, String message) throws IOException {
        try (Cli cli = new Cli(tmp)) {
            Cli.Result r = cli.run("fetch", id, "http://127.0.0.1:8080/a");
            assertEquals(2, r.code, r.toString());
            assertTrue(r.err.contains(message), r.err);
            assertTrue(cli.store().active().isEmpty());
        }
    }

    @Test
    void theIdLimitCountsCharactersNotUtf16Units() throws IOException {
        try (Cli cli = new Cli(tmp)) {
            String emoji = "\ud83d\ude00";
            // 200 emoji are 400 UTF-16 units and were refused
            Cli.Result ok = cli.run("fetch", emoji.repeat(200), "http://127.0.0.1:8080/a");
            assertEquals(0, ok.code, ok.toString());
            Cli.Result tooLong = cli.run("fetch", emoji.repeat(201), "http://127.0.0.1:8080/a");
            assertEquals(2, tooLong.code, tooLong.toString());
            assertTrue(tooLong.err.contains("longer than 200 characters (Unicode code points)")
                    && !tooLong.err.contains("control"), tooLong.err);
            assertTrue(tooLong.err.contains(emoji.repeat(200) + "…"), "cut on a whole character");
            assertEquals(1, cli.store().active().size());
        }
    }

    @Test
    void noUrlsIsRefused() throws IOException {
        try (Cli cli = new Cli(tmp)) {
            Cli.Result r = cli.run("fetch", "x");
            assertEquals(2, r.code);
            assertTrue(r.err.contains("no URLs"), r.err);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no colon           | NoColonHere             | expected 'Name: value'",
            "space in name      | 'Bad Name: x'           | bad header name",
            "managed Range      | 'Range: bytes=0-'       | managed by bgfetch",
    })
    void badHeadersAreRefused(String name, String header, String message) throws IOException {
        try (Cli cli = new Cli(tmp)) {
            assertRefused(cli, message, "fetch", "x", "http://127.0.0.1:8080/a", "-H", header);
        }
    }

    /** Exit 2, the message on stderr, and nothing stored. */
    private static void assertRefused(Cli cli, String message, String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(2, r.code, r.toString());
        assertTrue(r.err.contains(message), r.err);
        assertTrue(cli.store().active().isEmpty());
    }

    @Test
    void aControlCharacterAtEitherEndOfAHeaderIsRefusedNotTrimmedAway() throws IOException {
        // String.trim() took them off the ends: "X\u0001: v" was stored and sent as "X: v"
        List<String> headers = List.of("X\u0001: v", "\u0001X: v", "X: v\u0001", "X: \u001b[31mv", "X: v\u007f");
        for (int i = 0; i < headers.size(); i++) {
            String h = headers.get(i);
            try (Cli cli = new Cli(tmp.resolve("h" + i))) {
                assertRefused(cli, "bad header", "fetch", "x", "http://127.0.0.1:8080/a", "-H", h);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "i.png,sizes=abc           | bad --icon sizes",
            "i.png,sizes=0x0           | bad --icon sizes",
            "i.png,sizes=16x16,,32x32  | bad --icon part",
            "i.png,type=png            | bad --icon type",
            "'i.png,type=image/ png'   | bad --icon type",
    })
    void badIconMetadataIsRefused(String icon, String message) throws IOException {
        // "sizes=abc" was stored and shown as it came
        try (Cli cli = new Cli(tmp)) {
            assertRefused(cli, message, "fetch", "x", "http://127.0.0.1:8080/a", "--icon", icon);
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"abc", "-5", "12Q", "1.5.5M", "''"})
    void badSizesAreRefused(String size) throws IOException {
        try (Cli cli = new Cli(tmp)) {
            Cli.Result r = cli.run("fetch", "x", "http://127.0.0.1:8080/a", "--download-total", size);
            assertEquals(2, r.code, r.toString());
            assertTrue(r.err.contains("--download-total"), r.err);
        }
    }

    @Test
    void unknownOptionIsExit2WithoutStackTrace() throws IOException {
        try (Cli cli = new Cli(tmp)) {
            Cli.Result r = cli.run("fetch", "x", "http://127.0.0.1:8080/a", "--frobnicate");
            assertEquals(2, r.code);
            assertTrue(r.err.contains("--frobnicate"), r.err);
            assertFalse(r.err.contains("at dev.bgfetch"), r.err);
            assertFalse(r.err.contains("Exception"), r.err);
        }
    }

    @Test
    void checksumNeedsOneUrlAndHex() throws IOException {
        try (Cli cli = new Cli(tmp)) {
            assertEquals(2, cli.run("fetch", "x", "http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b",
                    "--checksum", "sha-256=" + "0".repeat(64)).code);
            Cli.Result r = cli.run("fetch", "x", "http://127.0.0.1:8080/a", "--checksum", "md5=abc");
            assertEquals(2, r.code);
            assertTrue(r.err.contains("md5=<32 hex digits>"), r.err);
            Cli.Result algo = cli.run("fetch", "x", "http://127.0.0.1:8080/a", "--checksum", "crc32=" + "0".repeat(8));
            assertEquals(2, algo.code);
            assertTrue(algo.err.contains("sha-256=HEX, sha-512=HEX, sha-1=HEX or md5=HEX"), algo.err);
            Cli.Result noEq = cli.run("fetch", "x", "http://127.0.0.1:8080/a", "--checksum", "0".repeat(64));
            assertEquals(2, noEq.code, "a bare hex digest names no algorithm");
            assertEquals(0, cli.run("list").out.lines().count(), "nothing stored");
        }
    }

    @Test
    void inputFileErrorsNameTheLine() throws IOException {
        Path list = tmp.resolve("list.txt");
        Files.writeString(list, "# a list\nhttp://127.0.0.1:8080/a\n  out=x.bin\n  frob=1\n");
        try (Cli cli = new Cli(tmp)) {
            Cli.Result r = cli.run("fetch", "x", "-i", list.toString());
            assertEquals(2, r.code, r.toString());
            assertTrue(r.err.contains(list + ":4") && r.err.contains("frob"), r.err);
            assertTrue(cli.store().active().isEmpty());
            // a hostile tester's finds: a refused header or URL did not name its line, and an input
            // file of comments only was told "give URLs or --input-file"
            Files.writeString(list, "http://127.0.0.1:8080/a\n  header=Range: bytes=0-1\n");
            assertRefused(cli, list + ":2: header 'Range' is managed by bgfetch", "fetch", "x", "-i", list.toString());
            Files.writeString(list, "http://127.0.0.1:8080/a\nftp://h/b\n");
            assertRefused(cli, list + ":2: unsupported scheme", "fetch", "x", "-i", list.toString());
            Files.writeString(list, "# nothing yet\n\n");
            assertRefused(cli, "no URLs: " + list + " has none (only blank lines and comments)", "fetch", "x", "-i", list.toString());
        }
    }

    @Test
    void downloadTotalLargerThanFreeSpaceIsExit5() throws IOException {
        try (Cli cli = new Cli(tmp)) {
            Cli.Result r = cli.run("fetch", "x", "http://127.0.0.1:8080/a", "-d", tmp.toString(),
                    "--download-total", "900000Ti");
            assertEquals(ExitCodes.QUOTA, r.code, r.toString());
            assertTrue(r.err.contains("free"), r.err);
            assertTrue(cli.store().active().isEmpty());
        }
    }

    @Test
    void dirThatIsAFileIsRefused() throws IOException {
        Path file = Files.writeString(tmp.resolve("afile"), "x");
        try (Cli cli = new Cli(tmp)) {
            Cli.Result r = cli.run("fetch", "x", "http://127.0.0.1:8080/a", "-d", file.toString());
            assertEquals(2, r.code);
            assertTrue(r.err.contains("not a directory"), r.err);
        }
    }

    @Test
    void aDirSoLongThatNoFileFitsInItIsRefused() throws IOException {
        // a hostile tester's find: a --dir of 4090 bytes was taken, then every record failed alone
        StringBuilder d = new StringBuilder(tmp.toAbsolutePath().toString());
        while (d.length() < 4090) {
            d.append('/').append("d".repeat(Math.min(200, Math.max(1, 4090 - d.length() - 1))));
        }
        try (Cli cli = new Cli(tmp)) {
            assertRefused(cli, "is too long: no file fits in it", "fetch", "x", "http://127.0.0.1:8080/a", "-d", d.toString());
        }
    }

    @Test
    void rootRefusesAStoreOfAnotherUser() throws Exception {
        // a hostile tester's find: root's files in a user's store were 0600 root's, unreadable for its owner
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        try (Cli theirs = new Cli(tmp.resolve("u")); Cli mine = new Cli(tmp)) {
            assertEquals(0, new ProcessBuilder("chown", "65534", theirs.home().toString()).start().waitFor());
            String owner = Files.getOwner(theirs.home()).getName();
            List<Path> before;
            try (var in = Files.list(theirs.home())) {
                before = in.sorted().collect(java.util.stream.Collectors.toList());
            }
            Cli.Result r = theirs.run("fetch", "x", "http://127.0.0.1:8080/a");
            assertEquals(1, r.code, r.toString());
            assertTrue(r.err.contains("belongs to " + owner + ": as root, the files made there would be root's"), r.err);
            assertEquals(1, r.err.lines().count(), r.err);
            try (var after = Files.list(theirs.home())) {
                assertEquals(before, after.sorted().collect(java.util.stream.Collectors.toList()), "nothing made in it");
            }
            assertEquals(0, mine.run("list").code, "root's own store is fine");
        }
    }

    @Test
    void unknownIdsGiveExit3AndSettledStateGivesExit6() throws IOException {
        try (Cli cli = new Cli(tmp)) {
            assertEquals(ExitCodes.NOT_FOUND, cli.run("get", "nope").code);
            assertEquals(ExitCodes.NOT_FOUND, cli.run("abort", "nope").code);
            assertEquals(ExitCodes.NOT_FOUND, cli.run("wait", "nope").code);
            assertEquals(ExitCodes.NOT_FOUND, cli.run("forget", "nope").code);
            assertEquals(ExitCodes.NOT_FOUND, cli.run("match", "nope").code);
            assertEquals(ExitCodes.NOT_FOUND, cli.run("pause", "nope").code);
            Cli.Result r = cli.run("wait", "nope", "--timeout", "soon");
            assertEquals(ExitCodes.USAGE, r.code, r.toString());
        }
    }

    @Test
    void anEmptyIdOrAnUnparsableUrlToMatchIsInvalidInputNotAMiss() throws IOException {
        try (Cli cli = new Cli(tmp)) {
            // each was exit 3, as if a fetch with that id or a record with that URL could exist
            for (String[] line : List.of(new String[] {"get", ""}, new String[] {"abort", ""}, new String[] {"pause", ""},
                    new String[] {"resume", ""}, new String[] {"forget", ""}, new String[] {"wait", "nope", ""},
                    new String[] {"watch", ""}, new String[] {"match", ""})) {
                Cli.Result r = cli.run(line);
                assertEquals(ExitCodes.USAGE, r.code, String.join(" ", line) + ": " + r);
                assertTrue(r.err.contains("empty id"), r.err);
            }
            Cli.Result m = cli.run("match", "nope", "http://[::1");
            assertEquals(ExitCodes.USAGE, m.code, m.toString());
            assertEquals(ExitCodes.USAGE, cli.run("match", "nope", "notaurl").code);
            assertEquals(ExitCodes.NOT_FOUND, cli.run("match", "nope", "http://127.0.0.1/x").code, "a good URL: the id decides");
        }
    }

    @Test
    void helpListsTheExitCodes() throws IOException {
        try (Cli cli = new Cli(tmp)) {
            Cli.Result r = cli.run("--help");
            assertEquals(0, r.code);
            for (String code : new String[] {"0", "1", "2", "3", "4", "5", "6", "20", "21", "22", "23", "24", "124", "130"}) {
                assertTrue(r.out.contains("\n  " + code + " ") || r.out.contains("\n " + code + " ")
                        || r.out.matches("(?s).*\\n\\s+" + code + "\\s+\\S.*"), "exit code " + code + " in help:\n" + r.out);
            }
        }
    }
}

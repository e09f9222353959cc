package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgfetch.Main;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** SPEC §2: help on every command, one JSON document for every --json, and a failed write to stdout is exit 1. */
class HelpAndOutputTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static Stream<String> subcommands() {
        return Main.createCommandLine().getSubcommands().keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subcommands")
    void everySubcommandAnswersDashHDashDashHelpAndHelpCmd(String name) throws IOException {
        try (Cli cli = new Cli(tmp)) {
            for (String[] args : List.of(new String[] {name, "-h"}, new String[] {name, "--help"},
                    new String[] {"help", name})) {
                Cli.Result r = cli.run(args);
                assertEquals(0, r.code, String.join(" ", args) + "\n" + r);
                assertTrue(r.out.contains("Usage: bgfetch " + name), r.out);
                assertEquals("", r.err, String.join(" ", args));
            }
        }
    }

    @Test
    void anIdTheStoreDoesNotKnowIsQuotedEscapedOnOneLine() throws IOException {
        try (Cli cli = new Cli(tmp)) {
            for (String cmd : List.of("abort", "pause", "resume", "forget", "get")) {
                Cli.Result r = cli.run(cmd, "a\nb\u001b[31m");
                assertEquals(ExitCodes.NOT_FOUND, r.code, cmd + ": " + r);
                assertEquals(1, r.err.split("\n", -1).length - 1, cmd + " says it in one line: " + r.err);
                assertTrue(r.err.contains("'a\\nb\\x1b[31m'"), cmd + ": " + r.err);
            }
        }
    }

    @Test
    void typosGetSuggestions() throws IOException {
        try (Cli cli = new Cli(tmp)) {
            Cli.Result cmd = cli.run("fecth", "x");
            assertEquals(ExitCodes.USAGE, cmd.code, cmd.toString());
            assertTrue(cmd.err.contains("unknown command 'fecth'; did you mean fetch?"), cmd.err);
            Cli.Result opt = cli.run("list", "--al");
            assertEquals(ExitCodes.USAGE, opt.code, opt.toString());
            assertTrue(opt.err.contains("--all"), opt.err);
            // one line each, as every error (picocli added "Possible solutions" and "Try ... --help" lines)
            for (Cli.Result r : List.of(cmd, opt, cli.run("list", "--bogus"), cli.run())) {
                assertEquals(1, r.err.split("\n", -1).length - 1, "one line: " + r.err);
                assertTrue(r.err.contains("--help'"), r.err);
            }
            Cli.Result after = cli.run("list", "--", "--all");
            assertEquals(ExitCodes.USAGE, after.code);
            assertEquals("bgfetch: unexpected argument after '--': '--all' (see 'bgfetch list --help')\n", after.err);
        }
    }

    /** picocli wraps each description element; one that ends mid-sentence leaves a hard break in --help and man. */
    @Test
    void helpTextIsWholeSentencesSoPicocliWrapsIt() {
        List<String> broken = new ArrayList<>();
        List<CommandSpec> specs = new ArrayList<>();
        CommandLine top = Main.createCommandLine();
        specs.add(top.getCommandSpec());
        top.getSubcommands().values().forEach(c -> specs.add(c.getCommandSpec()));
        for (CommandSpec spec : specs) {
            List<String> texts = new ArrayList<>(List.of(spec.usageMessage().description()));
            for (OptionSpec o : spec.options()) {
                texts.addAll(List.of(o.description()));
            }
            for (String t : texts) {
                if (!t.isBlank() && !t.replace("%n", "").strip().matches("(?s).*[.:)!?]$")) {
                    broken.add(spec.qualifiedName() + ": " + t);
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    /** A writer like a full disk: every write fails, and PrintWriter hides it behind checkError(). */
    static final class FullDisk extends Writer {
        @Override
        public void write(char[] cbuf, int off, int len) throws IOException {
            throw new IOException("No space left on device");
        }

        @Override
        public void flush() throws IOException {
            throw new IOException("No space left on device");
        }

        @Override
        public void close() {
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writingCommands")
    void aFailedWriteToStdoutIsExit1WithOneLine(String command) throws IOException {
        try (Cli cli = new Cli(tmp)) {
            CommandLine cl = Main.createCommandLine();
            StringWriter err = new StringWriter();
            cl.setOut(new PrintWriter(new FullDisk(), true));
            cl.setErr(new PrintWriter(err, true));
            List<String> all = new ArrayList<>(List.of("--home", cli.home().toString()));
            all.addAll(List.of(command.split(" ")));
            int code = cl.execute(all.toArray(new String[0]));
            assertEquals(ExitCodes.FAILURE, code, command + ": " + err);
            assertTrue(err.toString().startsWith("bgfetch: cannot write to stdout"), err.toString());
            assertEquals(1, err.toString().strip().lines().count(), err.toString());
        }
    }

    static Stream<String> writingCommands() {
        return Stream.of("list --json", "list --all --json", "worker --status", "--version", "--help", "fetch --help",
                "clean --json");
    }

    @Test
    void aFailedWriteOfMatchBodyIsExit1() throws Exception {
        try (TestServer server = TestServer.start(); Cli cli = new Cli(tmp)) {
            server.file("/a.bin", TestServer.randomBytes(200_000, 3));
            assertEquals(0, cli.run("fetch", "b", server.url("/a.bin"), "-d", tmp.resolve("dl").toString(), "-w").code);
            PrintStream saved = Stdout.bytes;
            Stdout.bytes = new PrintStream(new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    throw new IOException("No space left on device");
                }
            });
            Cli.Result r;
            try {
                r = cli.run("match", "b", "--body");
            } finally {
                Stdout.bytes = saved;
            }
            assertEquals(ExitCodes.FAILURE, r.code, r.toString());
            assertTrue(r.err.startsWith("bgfetch: cannot write to stdout"), r.err);
        }
    }

    private static JsonNode json(Cli.Result r) throws IOException {
        assertEquals(0, r.code, r.toString());
        JsonNode n = JSON.readTree(r.out);
        assertEquals(1, n.path("schema").intValue(), r.out);
        return n;
    }

    @Test
    void everyCommandWithJsonPrintsOneJsonDocument() throws Exception {
        try (TestServer server = TestServer.start(); Cli cli = new Cli(tmp)) {
            server.file("/a.bin", TestServer.randomBytes(1_000_000, 4));
            server.throttle("/a.bin", 200_000);
            String dl = tmp.resolve("dl").toString();
            assertEquals(0, cli.run("fetch", "p", server.url("/a.bin"), "-d", dl).code);
            assertEquals("paused", json(cli.run("pause", "p", "--json")).get("state").textValue());
            String shown = cli.run("get", "p").out;
            assertTrue(shown.contains("  #0 paused") && !shown.contains("#0 running"), "its record is paused too: " + shown);
            assertEquals("p", json(cli.run("resume", "p", "--json")).get("id").textValue());
            assertEquals(0, cli.run("abort", "p").code);
            JsonNode forgotten = json(cli.run("forget", "p", "--json"));
            assertEquals("p", forgotten.get("forgotten").get(0).get("id").textValue());
            assertFalse(forgotten.get("forgotten").get(0).get("recordsAvailable").booleanValue(), "no longer in the store");
            assertEquals(0, json(cli.run("clean", "--json")).get("forgotten").size());
            assertTrue(json(cli.run("--version", "--json")).get("version").isTextual());
            assertTrue(json(cli.run("worker", "--stop", "--json")).get("stopped").isBoolean());
        }
    }

    @Test
    void waitJsonOfSeveralFetchesIsAnArrayAndOfOneAnObject() throws Exception {
        try (TestServer server = TestServer.start(); Cli cli = new Cli(tmp)) {
            server.file("/a.bin", TestServer.randomBytes(10_000, 5));
            String dl = tmp.resolve("dl").toString();
            assertEquals(0, cli.run("fetch", "a", server.url("/a.bin"), "-d", dl).code);
            assertEquals(0, cli.run("fetch", "b", server.url("/a.bin"), "-d", dl).code);
            Cli.Result two = cli.run("wait", "a", "b", "--json");
            assertEquals(0, two.code, two.toString());
            JsonNode arr = JSON.readTree(two.out);
            assertTrue(arr.isArray(), two.out);
            assertEquals(List.of("a", "b"), List.of(arr.get(0).get("id").textValue(), arr.get(1).get("id").textValue()));
            JsonNode one = json(cli.run("wait", "a", "--json"));
            assertFalse(one.isArray());
            assertEquals("a", one.get("id").textValue());
        }
    }
}

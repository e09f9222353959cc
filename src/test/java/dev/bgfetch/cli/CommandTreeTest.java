package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.bgfetch.Main;
import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The command line bin/bgfetch builds holds only the subcommand its arguments name, and behaves as
 * the whole tree does: same help, same errors, same exit codes.
 */
class CommandTreeTest {
    @TempDir
    Path tmp;

    @Test
    void theWholeTreeHasEverySubcommandInHelpOrder() {
        assertEquals(BgfetchCommand.SUBCOMMANDS, new ArrayList<>(BgfetchCommand.all().getSubcommands().keySet()));
    }

    @Test
    void aSpecMakesItsNegatableOptionTransformerOnlyWhenAsked() throws ReflectiveOperationException {
        CommandSpec spec = Main.createCommandLine("get", "x").getCommandSpec().subcommands().get("get").getCommandSpec();
        Field made = CommandSpec.class.getDeclaredField("negatableOptionTransformer");
        made.setAccessible(true);
        assertNull(made.get(spec), "pom.xml's picocli-patch: its regular expressions are compiled at first use");
        assertEquals("--no-x", spec.negatableOptionTransformer().makeNegative("--x", spec));
        assertNotNull(made.get(spec));
    }

    @Test
    void onlyTheNamedSubcommandIsBuilt() {
        assertEquals(List.of("fetch"), names("fetch", "x", "http://127.0.0.1:1/a"));
        assertEquals(List.of("list"), names("--home", "fetch", "list"), "--home takes a value, even one named like a command");
        assertEquals(List.of("get"), names("--home=fetch", "-q", "--json", "get", "x"));
        assertEquals(List.of(), names("--version"));
        assertEquals(List.of(), names());
        int all = BgfetchCommand.SUBCOMMANDS.size();
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"-h"}, new String[] {"help", "fetch"},
                new String[] {"fecth"}, new String[] {"--bogus", "list"}, new String[] {"-qv", "list"},
                new String[] {"@args.txt"}, new String[] {"--", "list"})) {
            assertEquals(all, names(args).size(), String.join(" ", args) + ": the whole tree");
        }
        assertNull(BgfetchCommand.named(BgfetchCommand.all().getCommandSpec(), new String[] {"--help"}));
    }

    private static List<String> names(String... args) {
        return new ArrayList<>(Main.createCommandLine(args).getSubcommands().keySet());
    }

    static Stream<List<String>> lines() {
        List<List<String>> out = new ArrayList<>();
        for (String name : BgfetchCommand.SUBCOMMANDS) {
            out.add(List.of(name, "--help"));
            out.add(List.of(name, "--no-such-option"));
        }
        out.addAll(List.of(List.of("--help"), List.of("--version"), List.of(), List.of("fecth", "x"),
                List.of("help", "list"), List.of("-q", "get"), List.of("fetch"), List.of("list", "extra"),
                List.of("--json", "--version"), List.of("--home")));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lines")
    void theLazyTreeAnswersAsTheWholeOne(List<String> line) {
        String[] args = line.toArray(new String[0]);
        String lazy = run(Main.createCommandLine(args), args);
        String whole = run(Main.createCommandLine(), args);
        assertEquals(whole, lazy, String.join(" ", line));
    }

    private String run(CommandLine cl, String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("--home", tmp.resolve("home").toString()));
        all.addAll(List.of(args));
        int code = cl.execute(all.toArray(new String[0]));
        return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err.toString().lines()
                .collect(Collectors.joining("\n"));
    }
}

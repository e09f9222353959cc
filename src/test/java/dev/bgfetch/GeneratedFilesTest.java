package dev.bgfetch;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed completions/bgfetch and man/*.1 must be what the build makes from the picocli annotations
 * (target/generated/, made in process-classes). Only lines that change with the date or the version are
 * not compared.
 */
class GeneratedFilesTest {
    static final String REGEN = "./mvnw -B process-classes -Dregen";

    private static final Path BASE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();

    /** roff lines that carry the build date, the version or the Asciidoctor version. */
    private static final Pattern VOLATILE_ROFF = Pattern.compile(
            "^(\\.TH .*|\\.\\\\\"\\s*(Date|Generator|Source):.*)$");

    @Test
    void completionScriptIsUpToDate() throws IOException {
        compare("completions", name -> name.equals("bgfetch") || name.equals("bgfetch.fish"), line -> false);
    }

    @Test
    void manPagesAreUpToDate() throws IOException {
        compare("man", name -> name.endsWith(".1"), line -> VOLATILE_ROFF.matcher(line).matches());
    }

    private static void compare(String dir, Predicate<String> files, Predicate<String> ignored)
            throws IOException {
        Path generated = BASE.resolve("target/generated").resolve(dir);
        Path committed = BASE.resolve(dir);
        assertTrue(Files.isDirectory(generated), generated + " is missing: it is made by the Maven build"
                + " (phase process-classes), so run the tests with ./mvnw, e.g. ./mvnw -B verify");

        TreeSet<String> expected = names(generated, files);
        TreeSet<String> actual = names(committed, files);
        assertTrue(!expected.isEmpty(), "the build generated nothing in " + generated);

        List<String> problems = new ArrayList<>();
        for (String name : expected) {
            if (!actual.contains(name)) {
                problems.add(dir + "/" + name + " is missing");
                continue;
            }
            String diff = firstDifference(generated.resolve(name), committed.resolve(name), ignored);
            if (diff != null) {
                problems.add(dir + "/" + name + " is out of date: " + diff);
            }
        }
        for (String name : actual) {
            if (!expected.contains(name)) {
                problems.add(dir + "/" + name + " is no longer generated (a removed command?)");
            }
        }
        if (!problems.isEmpty()) {
            fail("The committed " + dir + "/ does not match the code's picocli annotations:\n  "
                    + String.join("\n  ", problems)
                    + "\nRegenerate the committed copies with\n    " + REGEN
                    + "\nand commit completions/ and man/ with the change.");
        }
    }

    private static TreeSet<String> names(Path dir, Predicate<String> files) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).filter(files)
                        .forEach(names::add);
            }
        }
        return names;
    }

    /** Where the two files differ, ignoring volatile lines and CR; null when they don't. */
    private static String firstDifference(Path generated, Path committed, Predicate<String> ignored)
            throws IOException {
        List<String> want = lines(generated, ignored);
        List<String> have = lines(committed, ignored);
        for (int i = 0; i < Math.max(want.size(), have.size()); i++) {
            String w = i < want.size() ? want.get(i) : "<end of file>";
            String h = i < have.size() ? have.get(i) : "<end of file>";
            if (!w.equals(h)) {
                return "compared line " + (i + 1) + " is\n      " + h + "\n    but the build makes\n      " + w;
            }
        }
        return null;
    }

    private static List<String> lines(Path file, Predicate<String> ignored) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .map(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l)
                .filter(ignored.negate())
                .collect(Collectors.toList());
    }
}

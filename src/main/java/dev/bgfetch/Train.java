package dev.bgfetch;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/**
 * The launcher's class-data training run: the everyday commands once each, in one JVM, on a
 * throwaway store, so the archive dumped when this JVM exits holds what {@code fetch}, {@code get},
 * {@code list} and {@code --help} load, not only what one of them does. Never run by a user: the
 * launcher starts it in the background with its output thrown away.
 *
 * <p>The fetches it registers must not start a real worker (it would try their URLs and outlive
 * the training), so the worker's launcher is {@code /bin/true}: the spawn path is still loaded.
 */
public final class Train {
    private Train() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: Train STORE-DIRECTORY");
        }
        Path store = Path.of(args[0]);
        Path dir = Files.createDirectories(store.resolve("downloads"));
        Path input = store.resolve("input.txt");
        Files.writeString(input, "http://127.0.0.1:2/a/one.bin\n  out=first.bin\n"
                + "# a comment\nhttp://127.0.0.1:2/b/two.bin?X-Amz-Signature=0&token=1\n", StandardCharsets.UTF_8);
        System.setProperty("bgfetch.launcher", "/bin/true");
        String home = store.resolve("home").toString();
        String d = dir.toString();
        List<List<String>> commands = List.of(
                List.of("--help"),
                List.of("fetch", "--help"),
                List.of("fetch", "ep5", "http://127.0.0.1:2/ep-5.mp3", "http://127.0.0.1:2/ep-5-art.jpg",
                        "--title", "Episode 5", "--download-total", "10M", "-d", d, "--home", home),
                List.of("fetch", "-q", "feed", "-i", input.toString(), "-d", d, "--home", home),
                List.of("fetch", "ep5", "http://127.0.0.1:2/again", "-d", d, "--home", home), // a duplicate id
                List.of("get", "ep5", "--home", home),
                List.of("get", "ep5", "--json", "--home", home),
                List.of("list", "--home", home),
                List.of("list", "--json", "--all", "--home", home),
                List.of("list", "--no-such-option", "--home", home),
                List.of("abort", "ep5", "--home", home),
                List.of("--version"));
        PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
        for (List<String> command : commands) {
            if (command.get(0).equals("get")) {
                worked(Path.of(home)); // before the reads: what a worker leaves is read too
            }
            CommandLine cl = Main.createCommandLine(command.toArray(new String[0]));
            cl.setOut(nowhere);
            cl.setErr(nowhere);
            cl.execute(command.toArray(new String[0]));
        }
        // what wait and fetch --wait open at their first pause (a settled fetch, as above, needs none)
        try (var watch = Store.open(Path.of(home)).watch()) {
            watch.await(1);
        }
    }

    /**
     * What a worker would have left of ep5: a response on its first record and published byte
     * counts, so that get and list load the classes that read them (one class from the jar costs
     * a command the jar's opening, ~6 ms).
     */
    private static void worked(Path home) {
        Store s = Store.open(home);
        Fetch ep5 = s.find("ep5").orElseThrow();
        s.update(ep5.key, f -> {
            Rec.Response r = new Rec.Response();
            r.url = f.records.get(0).request.url;
            r.status = 200;
            r.statusText = "OK";
            f.records.get(0).response = r;
        });
        s.publishProgress(ep5.key, 1000, 100, new long[] {1000, 0});
    }
}

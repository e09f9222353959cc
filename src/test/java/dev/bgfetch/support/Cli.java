package dev.bgfetch.support;

import dev.bgfetch.Main;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import picocli.CommandLine;

/**
 * Runs bgfetch in-process as picocli recommends (the real CommandLine from {@link Main}, writers
 * captured), against a private store. The worker it starts is a real separate process.
 */
public final class Cli implements AutoCloseable {
    private final Path home;

    /** A store under {@code dir}, with a worker that idles out fast so tests end quickly. */
    public Cli(Path dir) throws IOException {
        this.home = dir.resolve("home");
        Files.createDirectories(home);
        config("worker.idle", "1s");
    }

    public Path home() {
        return home;
    }

    public Cli config(String key, String value) throws IOException {
        Path p = home.resolve("config.properties");
        List<String> lines = Files.exists(p) ? new ArrayList<>(Files.readAllLines(p)) : new ArrayList<>();
        lines.removeIf(l -> l.startsWith(key + "="));
        lines.add(key + "=" + value);
        Files.write(p, lines);
        return this;
    }

    /** The result of one command. */
    public static final class Result {
        public final int code;
        public final String out;
        public final String err;

        Result(int code, String out, String err) {
            this.code = code;
            this.out = out;
            this.err = err;
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    public Result run(String... args) {
        return run(new StringWriter(), args);
    }

    /** As {@link #run(String...)} with stdout going to {@code out} (one that fails, say); the result's out is empty unless it is a StringWriter. */
    public Result run(java.io.Writer out, String... args) {
        List<String> all = new ArrayList<>(List.of("--home", home.toString()));
        all.addAll(List.of(args));
        String[] line = all.toArray(new String[0]);
        CommandLine cl = Main.createCommandLine(line); // as bin/bgfetch builds it
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(line);
        return new Result(code, out instanceof StringWriter ? out.toString() : "", err.toString());
    }

    public Store store() {
        return Store.open(home);
    }

    /** Polls the store until the fetch with this id satisfies the condition, or fails the test. */
    public Fetch await(String id, Predicate<Fetch> condition, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        Fetch last = null;
        while (System.nanoTime() < end) {
            last = store().find(id).orElse(null);
            if (last != null && condition.test(last)) {
                return last;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("condition not reached for '" + id + "' within " + timeout + "; last: "
                + (last == null ? "none" : last.state + " " + last.result + " " + last.failureReason + " "
                + last.downloaded));
    }

    public String workerLog() throws IOException {
        Path log = home.resolve("worker.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Stops the worker this store may still have, so no process outlives the test. */
    @Override
    public void close() {
        run("worker", "--stop", "-q");
    }
}

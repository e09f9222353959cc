package dev.bgfetch.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real pseudo-terminal: one tmux server on a private socket, one window of a fixed size running a
 * command, read back with {@code capture-pane}. For behaviour that is about the terminal (the live
 * view, resizes, Ctrl-C), which no captured writer can show.
 */
public final class Tmux implements AutoCloseable {
    private final Path socket;
    private final Path exitFile;

    private Tmux(Path socket, Path exitFile) {
        this.socket = socket;
        this.exitFile = exitFile;
    }

    /** True when tmux can be run here; CI installs it (.ci/run), so there a missing tmux is a failure. */
    public static boolean available() {
        try {
            Process p = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * Runs {@code command} in a {@code width} × {@code height} terminal with these environment
     * variables (null removes one). When the command ends, its exit code is kept in a file and the
     * pane stays, so its last screen can still be read.
     */
    public static Tmux start(Path dir, int width, int height, Map<String, String> env, List<String> command)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path socket = dir.resolve("tmux.sock");
        Path exit = dir.resolve("tmux.exit");
        // The shell outlives a Ctrl-C sent to the command (a trap, unlike an ignore, is not inherited).
        StringBuilder sh = new StringBuilder("trap 'true' INT; ");
        if (!env.containsKey("LANG")) {
            sh.append("export LANG=C.UTF-8; "); // the terminal charset the tests read, whatever CI has
        }
        if (!env.containsKey("LC_ALL")) {
            sh.append("unset LC_ALL; ");
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            sh.append(e.getValue() == null ? "unset " + e.getKey() + "; "
                    : "export " + e.getKey() + "=" + quote(e.getValue()) + "; ");
        }
        for (String c : command) {
            sh.append(quote(c)).append(' ');
        }
        sh.append("; echo $? > ").append(quote(exit.toString())).append("; sleep 600");
        Tmux t = new Tmux(socket, exit);
        // TERM inside the pane comes from tmux (screen/tmux-256color); CI=true of the test run must not
        // reach the program, or it would take the terminal for a CI log.
        Path conf = dir.resolve("tmux.conf");
        Files.writeString(conf, "set -g status off\nset -g history-limit 5000\n");
        t.tmux("-f", conf.toString(), "new-session", "-d", "-x", String.valueOf(width), "-y", String.valueOf(height),
                "env", "-u", "CI", "TERM=screen", "sh", "-c", sh.toString());
        return t;
    }

    /** The visible screen, one string per row, trailing blanks cut. */
    public List<String> screen() throws IOException, InterruptedException {
        return rows(tmux("capture-pane", "-p"));
    }

    /**
     * The visible screen with the rows the terminal wrapped joined back into one string each: what a
     * terminal that reflows on resize (tmux itself) would join.
     */
    public List<String> unwrappedScreen() throws IOException, InterruptedException {
        return rows(tmux("capture-pane", "-p", "-J"));
    }

    private static List<String> rows(String text) {
        List<String> rows = new ArrayList<>();
        for (String l : text.split("\n", -1)) {
            rows.add(l.stripTrailing());
        }
        while (!rows.isEmpty() && rows.get(rows.size() - 1).isEmpty()) {
            rows.remove(rows.size() - 1);
        }
        return rows;
    }

    /** The visible screen with its colours as SGR escape sequences. */
    public String screenWithColours() throws IOException, InterruptedException {
        return tmux("capture-pane", "-p", "-e");
    }

    /** The screen and the scrollback above it. */
    public String history() throws IOException, InterruptedException {
        return tmux("capture-pane", "-p", "-S", "-1000");
    }

    /** Polls the screen until it satisfies the condition; fails with the last screen when it never does. */
    public List<String> awaitScreen(Predicate<List<String>> condition, Duration timeout)
            throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        List<String> s = screen();
        while (!condition.test(s)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the terminal never showed what was expected; it shows:\n"
                        + String.join("\n", s));
            }
            Thread.sleep(100);
            s = screen();
        }
        return s;
    }

    public void resize(int width, int height) throws IOException, InterruptedException {
        tmux("resize-window", "-x", String.valueOf(width), "-y", String.valueOf(height));
    }

    /** Sends keys as tmux names them ({@code C-c}, {@code Enter}). */
    public void keys(String... keys) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("send-keys"));
        args.addAll(List.of(keys));
        tmux(args.toArray(new String[0]));
    }

    /** The command's exit code once it has ended, waiting up to {@code timeout}. */
    public int awaitExit(Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (Files.exists(exitFile)) {
                String s = Files.readString(exitFile).strip();
                if (!s.isEmpty()) {
                    return Integer.parseInt(s);
                }
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("the command did not end; the terminal shows:\n" + String.join("\n", screen()));
            }
            Thread.sleep(100);
        }
    }

    public boolean exited() throws IOException {
        return Files.exists(exitFile) && !Files.readString(exitFile).isBlank();
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("tmux " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Override
    public void close() {
        try {
            tmux("kill-server");
        } catch (IOException | InterruptedException e) {
            // already gone
        }
    }
}

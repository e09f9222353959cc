package dev.bgfetch.support;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** bgfetch as a real separate process (this JVM's java and class path), for behaviour about processes. */
public final class Proc {
    private Proc() {
    }

    public static List<String> command(Path home, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.bgfetch.Main");
        cmd.add("--home");
        cmd.add(home.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    public static Process start(Path home, String... args) throws IOException {
        return new ProcessBuilder(command(home, args))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
    }

    /** Runs to completion (with a deadline) and returns {exit code, stdout, stderr}. */
    public static Object[] run(Path home, String... args) throws IOException, InterruptedException {
        Process p = start(home, args);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bgfetch " + String.join(" ", args) + " did not finish");
        }
        return new Object[] {p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)};
    }
}

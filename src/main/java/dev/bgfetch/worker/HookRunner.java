package dev.bgfetch.worker;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Store;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a settled fetch's hook (SPEC §4.13): {@code /bin/sh -c CMD} in the fetch's directory, stdin from
 * /dev/null, output appended to worker.log (its first MiB), facts passed only through the environment so nothing a
 * server sent ever becomes shell text. Killed after the hook timeout.
 */
final class HookRunner {
    /**
     * How much of a hook's output reaches worker.log; the rest is read and dropped: a hook printing
     * without end (a `yes`) filled it by about 30 MB a second until its timeout. The log is kept to
     * its limit after each hook's output (see {@link Log}).
     */
    static final long OUTPUT_MAX = 1 << 20;

    private final Store store;
    private final Duration timeout;

    HookRunner(Store store, Duration timeout) {
        this.store = store;
        this.timeout = timeout;
    }

    /**
     * Appends the hook's output to worker.log up to {@link #OUTPUT_MAX} bytes and drains the rest, on a
     * thread of its own: the stream ends only when every process holding the pipe has, which may be
     * after the hook (something it left running), and a pipe nobody reads would block the hook.
     */
    private void copyOutput(String id, InputStream from) {
        Thread t = new Thread(() -> {
            long written = 0;
            byte[] buf = new byte[8192];
            try (InputStream in = from;
                    OutputStream log = Files.newOutputStream(store.workerFiles().log(), StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (written < OUTPUT_MAX) {
                        int k = (int) Math.min(n, OUTPUT_MAX - written);
                        log.write(buf, 0, k);
                        log.flush();
                        written += k;
                        if (written == OUTPUT_MAX) {
                            log.write(("\nbgfetch: the output of the hook of '" + id + "' is cut here, at "
                                    + (OUTPUT_MAX >> 20) + " MiB\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                            log.flush();
                        }
                    }
                }
            } catch (IOException e) {
                // the hook's pipe or the log went away: nothing more to copy
            }
            Log.rotateIfLarge();
        }, "bgfetch-hook-output");
        t.setDaemon(true);
        t.start();
    }

    void run(Fetch f, String cmd) {
        try {
            Path records = store.writeHookRecords(f);
            Path dir = Path.of(f.dir);
            if (!Files.isDirectory(dir)) {
                Log.info("hook of '" + f.id + "': " + dir + " is gone; running in " + store.home());
                dir = store.home();
            }
            // In a session (and process group) of its own, so a timeout kills the shell and everything
            // it started at once: killing the children first let the shell run its next command.
            Path setsid = Path.of("/usr/bin/setsid");
            boolean group = Files.isExecutable(setsid);
            java.util.List<String> argv = new java.util.ArrayList<>();
            if (group) {
                argv.add(setsid.toString());
            }
            argv.addAll(java.util.List.of("/bin/sh", "-c", cmd));
            ProcessBuilder pb = new ProcessBuilder(argv)
                    .directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.put("BGFETCH_ID", f.id);
            env.put("BGFETCH_RESULT", f.result.wire());
            env.put("BGFETCH_FAILURE_REASON", f.failureReason.wire());
            env.put("BGFETCH_DOWNLOADED", Long.toString(f.downloaded));
            env.put("BGFETCH_DOWNLOAD_TOTAL", Long.toString(f.downloadTotal));
            env.put("BGFETCH_TITLE", f.title);
            env.put("BGFETCH_DIR", f.dir);
            env.put("BGFETCH_RECORDS", records.toString());
            // which hook: the on-abort one was logged as "(failure)", as on-fail's is
            Log.info("hook of '" + f.id + "' (" + (f.failureReason == dev.bgfetch.state.FailureReason.NONE
                    ? f.result.wire() : f.result.wire() + ", " + f.failureReason.wire()) + "): starting");
            Process p = pb.start();
            copyOutput(f.id, p.getInputStream());
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                if (group) {
                    // setsid does not fork here (we are no group leader), so the hook's pid is its group's id.
                    new ProcessBuilder("kill", "-KILL", "--", "-" + p.pid()).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
                }
                // Without setsid: the shell dies first, or it would go on to its next command.
                java.util.List<ProcessHandle> children = p.descendants().collect(java.util.stream.Collectors.toList());
                p.destroyForcibly();
                children.forEach(ProcessHandle::destroyForcibly);
                Log.info("hook of '" + f.id + "' ran longer than " + timeout.toSeconds() + " s; killed");
                return;
            }
            Log.info("hook of '" + f.id + "' exited with " + p.exitValue());
        } catch (IOException e) {
            Log.info("hook of '" + f.id + "' could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                store.dropHookRecords(f.key);
            } catch (IOException e) {
                Log.info("cannot remove the hook records of '" + f.id + "': " + e.getMessage());
            }
        }
    }
}

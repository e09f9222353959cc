package dev.bgfetch.worker;

import dev.bgfetch.state.Store;
import dev.bgfetch.state.WorkerFiles;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The client's side of the worker's lifecycle: find it (by its OS lock, not a pid file), start it
 * detached in its own session, wait for it with a deadline, and on failure say why with the tail of
 * worker.log. Modelled on mvnd's DaemonConnector.
 */
public final class WorkerLauncher {

    private WorkerLauncher() {
    }

    /** Thrown when the worker could not be started; the message carries the tail of worker.log. */
    public static final class StartException extends Exception {
        public StartException(String message) {
            super(message);
        }
    }

    /** True while a worker holds the store's worker lock. */
    public static boolean isRunning(Store store) {
        return WorkerFiles.lockHeld(store.home());
    }

    /**
     * The running worker's pid: the holder of worker.lock in the kernel's table of locks, where there
     * is one (Linux), else as the worker wrote it in worker.json after taking the lock. A just-started
     * worker may not have written it yet, and the file may be stale, damaged or forged, so its pid must
     * belong to a live worker process that started before the file was written: a worker.json naming
     * another process once made {@code worker --stop} signal that process and leave the worker running.
     */
    public static Optional<Long> pid(Store store) {
        long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (isRunning(store)) {
            Optional<Long> holder = WorkerFiles.lockHolder(store.home());
            if (holder.isPresent() && isWorker(holder.get())) {
                return holder;
            }
            Optional<WorkerFiles.Started> started = store.workerFiles().started();
            // worker.json only where the kernel does not say, or names a pid not seen from here (another pid namespace)
            if (started.isPresent() && (holder.isEmpty() || ProcessHandle.of(holder.get()).isEmpty())) {
                long pid = started.get().pid;
                java.time.Instant written = started.get().at;
                Optional<ProcessHandle> ph = ProcessHandle.of(pid);
                if (ph.isPresent() && ph.get().isAlive() && ph.get().info().startInstant()
                        .map(st -> !st.isAfter(written.plusSeconds(1))).orElse(true) && isWorker(pid)) {
                    return Optional.of(pid);
                }
            }
            if (System.nanoTime() > end) {
                break;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return Optional.empty();
    }

    /** Whether the process with this pid is a worker (its command line says {@code worker --run}); true when it cannot be told. */
    private static boolean isWorker(long pid) {
        Optional<String[]> args = ProcessHandle.of(pid).flatMap(p -> p.info().arguments());
        if (args.isEmpty()) {
            return ProcessHandle.of(pid).isPresent();
        }
        List<String> a = List.of(args.get());
        return a.contains("worker") && a.contains("--run");
    }

    /**
     * For a command about to make work: true if a worker runs for the store at {@code home}; else the
     * JDK's process classes are initialised now on a daemon thread, overlapping the command's own
     * work. The first ProcessBuilder.start of a JVM sets up the process reaper, CompletableFuture and
     * the JDK's first lambdas, ~15 ms on JDK 17 (bench/RESULTS.md, 2026-12-07, third session); with a
     * worker running that would be CPU spent for nothing. Starts no process.
     */
    public static boolean prepareSpawn(Path home) {
        if (WorkerFiles.lockHeld(home)) {
            return true;
        }
        Thread t = new Thread(new PrepareSpawn(), "spawn-prepare");
        t.setDaemon(true);
        t.start();
        return false;
    }

    private static final class PrepareSpawn implements Runnable {
        @Override
        public void run() {
            try {
                ProcessHandle.of(ProcessHandle.current().pid()); // the reaper's executor, the JDK's lambdas
                Class.forName("java.lang.ProcessImpl", true, null);
                Class.forName("java.util.concurrent.CompletableFuture", true, null);
            } catch (ClassNotFoundException | LinkageError e) {
                // a JDK without them spawns the slower way
            }
        }
    }

    /**
     * How a command that starts the worker tells {@code bin/bgfetch} that its work verifies checksums:
     * {@code tiers} keeps C2 for the JDK's SHA-256 intrinsic, where the worker otherwise runs on C1 only
     * with BoringSSL's (see there).
     */
    static final String JIT_ENV = "BGFETCH_WORKER_JIT";

    /**
     * Asks for a worker without waiting for its JVM (a second JVM start per command otherwise): spawns
     * one unless one runs or one spawned earlier is still starting. The spawn is recorded in
     * {@code worker.spawn}, under the spawn lock so a hundred concurrent commands start one worker, and
     * {@link #failedStart} reads it back when the worker died before it took its lock. Returns true if
     * this call spawned one. {@code digests}: the work that asks for it verifies checksums (see
     * {@link #JIT_ENV}).
     */
    public static boolean request(Store store, boolean digests) throws StartException {
        SpawnUnlessRunning step = new SpawnUnlessRunning(store, digests);
        store.workerFiles().spawnLocked(step);
        if (step.failed != null) {
            throw step.failed;
        }
        return step.spawned;
    }

    /** {@link #request}'s step under the spawn lock; a class, not a lambda, as on the rest of fetch's path. */
    private static final class SpawnUnlessRunning implements java.util.concurrent.Callable<Void> {
        private final Store store;
        private final boolean digests;
        private boolean spawned;
        private StartException failed;

        SpawnUnlessRunning(Store store, boolean digests) {
            this.store = store;
            this.digests = digests;
        }

        @Override
        public Void call() throws IOException {
            if (isRunning(store) || spawnedAndStarting(store)) {
                return null;
            }
            try {
                long pid = spawn(store, digests);
                if (pid > 0) {
                    store.workerFiles().writeSpawn(pid);
                    spawned = true;
                }
            } catch (StartException e) {
                failed = e;
            }
            return null;
        }
    }

    /** The pid of the last spawn not yet known to have started or failed, else -1. */
    private static long spawnedPid(Store store) {
        return store.workerFiles().spawnedPid();
    }

    private static boolean spawnedAndStarting(Store store) {
        long pid = spawnedPid(store);
        if (pid <= 0) {
            return false;
        }
        Optional<ProcessHandle> spawned = ProcessHandle.of(pid);
        return spawned.isPresent() && spawned.get().isAlive();
    }

    /**
     * Why the worker an earlier command spawned is gone without ever holding the lock (the tail of
     * worker.log), or empty. Reported once: the record of that spawn is dropped, so the caller can
     * spawn again.
     */
    public static Optional<String> failedStart(Store store, boolean consume) {
        long pid = spawnedPid(store);
        if (pid <= 0 || spawnedAndStarting(store) || isRunning(store)) {
            return Optional.empty();
        }
        Optional<WorkerFiles.Started> started = store.workerFiles().started();
        if (started.isPresent() && started.get().pid == pid) {
            clearSpawn(store, pid);
            return Optional.empty();
        }
        if (consume) {
            clearSpawn(store, pid);
        }
        return Optional.of("the worker (pid " + pid + ") exited before it started" + tail(store.workerFiles().log()));
    }

    /** Forgets the record of spawn {@code pid}: it started, or it left because another worker runs. */
    public static void clearSpawn(Store store, long pid) {
        if (spawnedPid(store) == pid) {
            try {
                store.workerFiles().deleteSpawn();
            } catch (IOException e) {
                // a stale record only delays a report
            }
        }
    }

    /**
     * Spawns a worker without waiting for it, unless one runs (then -1); returns its pid.
     *
     * <p>The worker is started through a short-lived {@code sh} that puts it in the background and
     * prints its pid. Were it our direct child, the JDK's process reaper would sit in waitpid() for
     * it, and HotSpot's exit waits up to 300 ms for such threads: every command that started a
     * worker would take that much longer to exit.
     */
    public static long spawn(Store store, boolean digests) throws StartException {
        if (isRunning(store)) {
            return -1;
        }
        Path log = store.workerFiles().log();
        // rotated by the worker itself, at its start and while it runs (worker.log-max: see Log)
        try {
            if (!Files.exists(log)) {
                // The log may hold URLs with tokens: private like the rest of the store.
                Files.createFile(log, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.util.Set.of(
                        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE))); // Set.of: see DurableFiles
            }
        } catch (IOException e) {
            throw new StartException("cannot create " + log + ": " + dev.bgfetch.state.IoReason.of(e));
        }
        List<String> sh = new ArrayList<>(List.of("/bin/sh", "-c",
                // HUP ignored from the fork on: the terminal may hang up before setsid has run, now
                // that fetch no longer waits for the worker (an ignored signal stays ignored across exec).
                "trap '' HUP; log=$1; shift; \"$@\" </dev/null >>\"$log\" 2>&1 & echo $!", "sh", log.toString()));
        sh.addAll(command(store));
        try {
            ProcessBuilder pb = new ProcessBuilder(sh)
                    .directory(store.home().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
            if (digests) {
                pb.environment().put(JIT_ENV, "tiers");
            }
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
            p.waitFor();
            return Long.parseLong(out);
        } catch (IOException | NumberFormatException e) {
            throw new StartException("cannot start the worker: " + e.getMessage() + tail(log));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartException("interrupted while starting the worker");
        }
    }

    /** Asks the running worker to stop (SIGTERM: it saves progress and keeps partial data); waits for it. */
    public static boolean stop(Store store, Duration deadline) {
        Optional<Long> pid = pid(store);
        if (pid.isEmpty()) {
            return false;
        }
        ProcessHandle.of(pid.get()).ifPresent(ProcessHandle::destroy);
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end && isRunning(store)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return !isRunning(store);
    }

    /**
     * The worker's command line: the launcher script when we were started by it (so the worker gets the
     * same JVM and options), else this JVM and class path. setsid gives it its own session, so a closed
     * terminal's SIGHUP never reaches it.
     */
    static List<String> command(Store store) {
        List<String> cmd = new ArrayList<>();
        for (String s : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(s))) {
                cmd.add(s);
                break;
            }
        }
        String launcher = System.getProperty("bgfetch.launcher");
        if (launcher != null && Files.isExecutable(Path.of(launcher))) {
            cmd.add(launcher);
        } else {
            String java = ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add(java);
            cmd.add("-cp");
            // The worker runs in the store directory, so relative entries must be made absolute.
            StringBuilder cp = new StringBuilder();
            for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
                if (!e.isEmpty()) {
                    cp.append(cp.length() == 0 ? "" : File.pathSeparator).append(Path.of(e).toAbsolutePath());
                }
            }
            cmd.add(cp.toString());
            cmd.add("dev.bgfetch.Main");
        }
        cmd.add("worker");
        cmd.add("--run");
        cmd.add("--home");
        cmd.add(store.home().toString());
        return cmd;
    }

    /** The last lines of worker.log, for error messages. */
    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            List<String> last = lines.subList(Math.max(0, lines.size() - 8), lines.size());
            return last.isEmpty() ? "" : "; last lines of " + log + ":\n  " + String.join("\n  ", last);
        } catch (IOException e) {
            return "";
        }
    }
}

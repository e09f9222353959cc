package dev.bgfetch.cli;

import dev.bgfetch.state.Views;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Store;
import dev.bgfetch.worker.Setting;
import dev.bgfetch.worker.Worker;
import dev.bgfetch.worker.WorkerLauncher;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

public final class WorkerCommand implements Callable<Integer> {
    final CommandContext ctx = new CommandContext();
    final Action action = new Action();

    /** What to do: one of these at most. */
    static final class Action implements Fields {
        boolean status;
        boolean stop;
        boolean run;

        @Override
        public Object get(String field) {
            return switch (field) {
                case "status" -> status;
                case "stop" -> stop;
                case "run" -> run;
                default -> throw Fields.unknown(this, field);
            };
        }

        @Override
        public void set(String field, Object value) {
            switch (field) {
                case "status" -> status = (Boolean) value;
                case "stop" -> stop = (Boolean) value;
                case "run" -> run = (Boolean) value;
                default -> throw Fields.unknown(this, field);
            }
        }
    }

    /** This command's picocli model (see {@link CommandModel}). */
    CommandSpec model() {
        CommandModel m = CommandModel.of(this, ctx, "worker",
                "Report on or stop the background worker; it starts automatically when needed. "
                + "Settings: environment variables or HOME/config.properties (see README).");
        m.group().exclusive(true).multiplicity("0..1");
        m.bindTo(action);
        m.option("status", "--status").description("Whether a worker runs, its pid and the active fetches (default).");
        m.option("stop", "--stop").description("Stop the worker; transfers keep their partial data.");
        m.option("run", "--run").hidden(true).description("Run the worker in this process (used by the launcher).");
        return m.endGroup().build();
    }

    @Override
    public Integer call() throws IOException {
        Store store = ctx.store();
        if (action.run) {
            return run(store, ctx.err());
        }
        if (action.stop) {
            boolean wasRunning = WorkerLauncher.isRunning(store);
            if (wasRunning && WorkerLauncher.pid(store).isEmpty()) {
                // "did not stop within 15 s" was said after 3 s, of a worker never asked to stop
                throw new CliException(ExitCodes.FAILURE, "a worker holds " + Escapes.terminal(
                        store.home().resolve("worker.lock").toString()) + ", but its pid cannot be found ("
                        + Escapes.terminal(store.home().resolve("worker.json").toString()) + " cannot be read); stop it with kill");
            }
            if (wasRunning && !WorkerLauncher.stop(store, Duration.ofSeconds(15))) {
                throw new CliException(ExitCodes.FAILURE, "the worker did not stop within 15 s");
            }
            if (ctx.globals().json()) {
                ObjectNode n = Views.object();
                n.put("schema", Store.SCHEMA);
                n.put("stopped", wasRunning);
                ctx.printJson(n);
            } else {
                ctx.info(wasRunning ? "worker stopped" : "no worker was running");
            }
            return ExitCodes.OK;
        }
        Optional<Long> pid = WorkerLauncher.pid(store);
        int active = store.active().size();
        Optional<String> failedStart = WorkerLauncher.failedStart(store, false);
        if (ctx.globals().json()) {
            ObjectNode n = Views.object();
            n.put("schema", Store.SCHEMA);
            n.put("running", WorkerLauncher.isRunning(store));
            if (pid.isPresent()) {
                n.put("pid", pid.get());
            } else {
                n.putNull("pid");
            }
            n.put("active", active);
            n.put("home", store.home().toString());
            n.put("log", store.workerFiles().log().toString());
            n.put("startError", failedStart.orElse(null));
            n.put("storeFull", store.outOfSpace());
            ctx.printJson(n);
        } else {
            ctx.out().println(WorkerLauncher.isRunning(store)
                    ? "running" + pid.map(p -> " (pid " + p + ")").orElse("") : "not running");
            ctx.out().println("active fetches: " + active);
            ctx.out().println("store: " + Escapes.terminal(store.home().toString()));
            ctx.out().println("log: " + Escapes.terminal(store.workerFiles().log().toString()));
            if (store.outOfSpace()) {
                ctx.out().println("store: no space left; the worker cannot save progress or settle until some is freed");
            }
            // The log tail quotes whatever the worker printed: each line escaped, the lines kept.
            failedStart.ifPresent(why -> ctx.out().println("last start failed: " + why.lines()
                    .map(Escapes::terminal).collect(java.util.stream.Collectors.joining("\n"))));
        }
        return ExitCodes.OK;
    }

    /** Runs the worker in this process until it retires or is stopped; returns the exit code. */
    private static int run(Store store, PrintWriter err) throws IOException {
        ignoreHangup();
        Setting.Values settings = Setting.Values.load(store.home(), System.getenv());
        settings.warnings().forEach(w -> err.println("bgfetch: warning: " + w)); // into worker.log
        err.flush();
        int code = new Worker(store, settings).run();
        if ("dump".equals(System.getProperty("bgfetch.archive"))) {
            dev.bgfetch.http.ArchiveWarmup.httpsClasses(); // before the JVM writes the archive at exit
        }
        return code;
    }

    /**
     * The worker as the launcher spawns it ({@code worker --run --home DIR}, exactly), without
     * picocli: building the command model was 74 ms of every worker's start (of ~120 from its JVM
     * to its first pick-up, async-profiler on W2 cold). Empty for any other arguments.
     */
    public static Optional<Integer> runAsSpawned(String[] args) {
        if (args.length != 4 || !args[0].equals("worker") || !args[1].equals("--run") || !args[2].equals("--home")) {
            return Optional.empty();
        }
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true);
        try {
            return Optional.of(run(Store.open(Path.of(args[3]).toAbsolutePath()), err));
        } catch (IOException | RuntimeException e) {
            return Optional.of(ErrorHandler.report(e, err, false));
        }
    }

    /** The worker runs in its own session already; ignoring SIGHUP also covers a launch without setsid. */
    @SuppressWarnings("restriction")
    private static void ignoreHangup() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sun.misc.SignalHandler.SIG_IGN);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // not a POSIX platform
        }
    }
}

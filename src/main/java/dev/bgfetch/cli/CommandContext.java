package dev.bgfetch.cli;

import dev.bgfetch.state.Views;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Store;
import dev.bgfetch.worker.WorkerLauncher;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;

/** What every command needs (writers, global options, the store, the worker), as a mixin rather than a base class. */
public final class CommandContext {
    CommandSpec spec; // the command's, set by CommandModel

    private Store store;
    /** What {@link #prepareWorker} saw: a worker holding the store's lock. */
    private boolean workerSeenRunning;

    public PrintWriter out() {
        return spec.commandLine().getOut();
    }

    public PrintWriter err() {
        return spec.commandLine().getErr();
    }

    public GlobalOptions globals() {
        CommandSpec s = spec;
        while (s.parent() != null) {
            s = s.parent();
        }
        return ((BgfetchCommand) s.userObject()).globals;
    }

    /** The store, opened once per command; problems found while reading it are reported on stderr. */
    public Store store() {
        if (store == null) {
            store = Store.open(globals().home());
            opened = this;
        }
        return store;
    }

    /** The command's context that opened a store: one command a process (tests run them one after another). */
    private static CommandContext opened;

    /**
     * After any command, also one that ends with an error: the damaged state files it met. A fetch
     * whose file was damaged is set aside, so the command often ends with "no fetch with the id",
     * and the warning that says why was never printed.
     */
    static void reportWarningsOfTheCommand() {
        CommandContext c = opened;
        opened = null;
        if (c != null) {
            c.reportWarnings();
        }
    }

    /** Reports corrupt state files met so far, one line each, on stderr. */
    public void reportWarnings() {
        if (store != null) {
            for (String w : store.warnings()) {
                err().println("bgfetch: warning: " + Escapes.terminal(w));
            }
            store.warnings().clear();
            err().flush();
        }
    }

    /**
     * Makes sure a worker runs if the store has work for one (§4.4), without waiting for its JVM. A
     * worker an earlier command started that died at start is reported here, once, and started again.
     * Returns true when such a failed start was reported.
     */
    public boolean ensureWorker() {
        return ensureWorker(false);
    }

    /**
     * As {@link #ensureWorker()}; {@code knownNeeded} when the caller has just made work (a
     * registration), so the store need not be read to find some. A running worker is asked first:
     * it is one lock probe, where finding whether there is work reads summaries.
     */
    public boolean ensureWorker(boolean knownNeeded) {
        return ensureWorker(knownNeeded, false);
    }

    /** As {@link #ensureWorker(boolean)}; {@code digests} when the work verifies checksums (the worker's JIT, see WorkerLauncher). */
    private boolean ensureWorker(boolean knownNeeded, boolean digests) {
        if (WorkerLauncher.isRunning(store()) || !knownNeeded && !store().needsWorker()) {
            return false;
        }
        boolean failed = reportFailedStart(WorkerLauncher.failedStart(store(), true).orElse(null));
        request(store(), digests);
        return failed;
    }

    /**
     * Before a registration: notes whether a worker runs, and when none does, has the JDK's process
     * set-up begin on a thread of its own (see {@link WorkerLauncher#prepareSpawn}).
     */
    public void prepareWorker() {
        workerSeenRunning = WorkerLauncher.prepareSpawn(globals().home());
    }

    /**
     * Registers {@code f} and makes sure a worker runs for it. With no worker seen running at
     * {@link #prepareWorker}, one is asked for on a thread of its own while the registration is
     * written: on a cold start the spawn was ~30 ms of a ~150 ms `fetch` (bench/RESULTS.md,
     * 2026-12-07, third session). Unless a worker was spawned so, a second look follows the
     * registration, for a worker that retired meanwhile, as {@link #ensureWorker} alone would; a
     * worker spawned before the registration was durable reads the store after it took its lock, and
     * again every second.
     */
    public Fetch registerWithWorker(Fetch f) {
        boolean digests = f.verifiesChecksums();
        if (workerSeenRunning) {
            Fetch stored = store().register(f);
            ensureWorker(true, digests);
            return stored;
        }
        WorkerSoon soon = new WorkerSoon(store(), digests);
        soon.start();
        Fetch stored;
        try {
            stored = store().register(f);
        } finally {
            soon.await();
        }
        if (soon.error != null) {
            throw soon.error;
        }
        reportFailedStart(soon.failedStart);
        if (!soon.spawned) {
            ensureWorker(true, digests); // one ran and may have retired before the registration (a spawned one syncs after it)
        }
        return stored;
    }

    /** A worker asked for unless one runs, on its own thread; what it found is read after {@link #await}. */
    private static final class WorkerSoon extends Thread {
        private final Store store;
        private final boolean digests;
        private String failedStart;
        private boolean spawned;
        private CliException error;

        WorkerSoon(Store store, boolean digests) {
            super("worker-request");
            this.store = store;
            this.digests = digests;
        }

        @Override
        public void run() {
            try {
                if (!WorkerLauncher.isRunning(store)) {
                    failedStart = WorkerLauncher.failedStart(store, true).orElse(null);
                    spawned = request(store, digests);
                }
            } catch (CliException e) {
                error = e;
            } catch (RuntimeException e) {
                error = new CliException(ExitCodes.FAILURE, "cannot start the worker: " + e.getMessage()
                        + "\n(nothing is lost: the next bgfetch command starts the worker again)");
            }
        }

        void await() {
            boolean interrupted = false;
            while (isAlive()) {
                try {
                    join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@link WorkerLauncher#request}, its failure a command's error; true if it spawned a worker. */
    private static boolean request(Store store, boolean digests) {
        try {
            return WorkerLauncher.request(store, digests);
        } catch (WorkerLauncher.StartException e) {
            throw new CliException(ExitCodes.FAILURE, e.getMessage() + "\n(nothing is lost: the next bgfetch command starts the worker again)");
        }
    }

    private boolean reportFailedStart(String why) {
        if (why == null) {
            return false;
        }
        err().println("bgfetch: warning: " + why + "\n(nothing is lost: starting it again)");
        err().flush();
        return true;
    }

    public void info(String message) {
        if (!globals().quiet()) {
            err().println(message);
            err().flush();
        }
    }

    public void printJson(JsonNode node) {
        out().println(Views.pretty(node));
        out().flush();
    }

    public Fetch find(String id) {
        Optional<Fetch> f = store().find(id); // not orElseThrow(lambda): get's path links no lambda (LauncherIT)
        if (f.isEmpty()) {
            throw new CliException(ExitCodes.NOT_FOUND, "no fetch with the id '" + Escapes.terminal(id) + "'"
                    + store().setAsideWithId(id).map(p -> " (its state files were found damaged and set aside as "
                            + Escapes.terminal(p.toString()) + "; its downloaded files stay)").orElse(""));
        }
        return f.get();
    }

    /**
     * True when stderr is a terminal we may draw progress on: not with -q, in CI logs or on a dumb
     * terminal. Asked of stderr itself, since the view is drawn there: {@code wait 2>log} must
     * write plain lines to the log even when stdout is a terminal, and {@code watch | less} must draw.
     */
    public boolean interactive() {
        if (globals().quiet() || System.getenv("CI") != null || "dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        return Terminals.isTerminal(2);
    }
}

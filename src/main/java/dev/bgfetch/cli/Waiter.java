package dev.bgfetch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.bgfetch.progress.Format;
import dev.bgfetch.progress.Snapshot;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Store;
import dev.bgfetch.state.Views;
import dev.bgfetch.worker.WorkerLauncher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Blocks until fetches settle (wait, fetch --wait): polls the store, restarts a worker that died, and
 * on a terminal paints one progress line per fetch on stderr from this one thread.
 */
final class Waiter {
    /** A poll is a stat per fetch, and a read of its small summary while painting. */
    private static final long POLL_MS = 40;
    private static final long WORKER_CHECK_MS = 2000;

    private final CommandContext ctx;
    private int painted;
    private List<String> lastPainted = List.of();

    Waiter(CommandContext ctx) {
        this.ctx = ctx;
    }

    /** Waits for the fetches with these keys; returns the exit code of the first failure, or 0, or 124. */
    int await(List<String> keys, Duration timeout) {
        Store store = ctx.store();
        boolean paint = ctx.interactive() && !ctx.globals().json();
        Thread restore = new Thread(this::clear);
        if (paint) {
            Runtime.getRuntime().addShutdownHook(restore);
        }
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        long lastWorkerCheck = System.nanoTime();
        int failedStarts = 0;
        try {
            Map<String, Fetch> now = new LinkedHashMap<>();
            Map<String, String> stamps = new LinkedHashMap<>();
            while (true) {
                // A stat per fetch per poll; painting reads the small summary (and the progress
                // file's header), and only --json reads the records, once the fetch has settled.
                boolean allSettled = true;
                for (String key : keys) {
                    boolean settled = store.isSettled(key);
                    allSettled &= settled;
                    String stamp = settled ? "settled" : store.activeStamp(key);
                    if (stamp == null && !store.exists(key)) {
                        throw new CliException(ExitCodes.NOT_FOUND, "the fetch was forgotten while waiting");
                    }
                    boolean needFetch = paint || settled && ctx.globals().json();
                    if (settled && !needFetch) {
                        continue; // the exit code needs only failureReason, read below without a full parse
                    }
                    boolean progressMoves = paint && !settled; // byte counts change without the summary
                    if (needFetch && (progressMoves || !java.util.Objects.equals(stamp, stamps.get(key)))) {
                        Optional<Fetch> f = ctx.globals().json() ? store.byKey(key) : store.summary(key);
                        if (f.isEmpty()) {
                            throw new CliException(ExitCodes.NOT_FOUND, "the fetch was forgotten while waiting");
                        }
                        now.put(key, f.get());
                        stamps.put(key, stamp);
                    }
                }
                ctx.reportWarnings();
                if (paint) {
                    paint(now.values());
                }
                if (allSettled && !paint && !ctx.globals().json()) {
                    for (String key : keys) {
                        String reason = store.settledFailureReason(key).orElseThrow(() ->
                                new CliException(ExitCodes.NOT_FOUND, "the fetch was forgotten while waiting"));
                        int code = ExitCodes.forFailureReason(reason);
                        if (code != 0) {
                            return code;
                        }
                    }
                    return ExitCodes.OK;
                }
                if (allSettled) {
                    List<Fetch> done = new ArrayList<>();
                    for (String key : keys) {
                        done.add(now.get(key));
                    }
                    if (paint) {
                        clear();
                        for (Fetch f : done) {
                            ctx.err().println(Format.groupLine(Snapshot.of(f), ctx.width()));
                        }
                    }
                    if (ctx.globals().json()) {
                        printJson(done);
                    }
                    for (Fetch f : done) {
                        int code = ExitCodes.forFailureReason(f.failureReason);
                        if (code != 0) {
                            return code;
                        }
                    }
                    return ExitCodes.OK;
                }
                if (System.nanoTime() > deadline) {
                    clear();
                    ctx.err().println("bgfetch: timed out waiting; the fetch goes on");
                    return ExitCodes.TIMEOUT;
                }
                if (System.nanoTime() - lastWorkerCheck > WORKER_CHECK_MS * 1_000_000) {
                    lastWorkerCheck = System.nanoTime();
                    if (!WorkerLauncher.isRunning(store) && ctx.ensureWorker() && ++failedStarts >= 2) {
                        // Started again once already: waiting on would only restart it for ever.
                        throw new CliException(ExitCodes.FAILURE, "the worker cannot start; see "
                                + store.file("worker.log") + " (nothing is lost: the next command tries again)");
                    }
                }
                try {
                    Thread.sleep(POLL_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return ExitCodes.INTERRUPTED;
                }
            }
        } finally {
            if (paint) {
                try {
                    Runtime.getRuntime().removeShutdownHook(restore);
                } catch (IllegalStateException e) {
                    // already shutting down (Ctrl-C): the hook clears the line
                }
            }
        }
    }

    /**
     * One document on stdout: one fetch is an object (as it always was), several are an array in
     * argument order, so a JSON parser reads either.
     */
    private void printJson(List<Fetch> done) {
        ObjectMapper m = ctx.store().mapper();
        if (done.size() == 1) {
            ctx.printJson(Views.fetch(m, done.get(0), true));
            return;
        }
        ArrayNode all = m.createArrayNode();
        for (Fetch f : done) {
            all.add(Views.fetch(m, f, true));
        }
        ctx.printJson(all);
    }

    private synchronized void paint(Iterable<Fetch> fetches) {
        List<String> lines = new ArrayList<>();
        for (Fetch f : fetches) {
            lines.add(Format.groupLine(Snapshot.of(f), ctx.width() - 1));
        }
        if (lines.equals(lastPainted)) {
            return;
        }
        lastPainted = lines;
        StringBuilder b = new StringBuilder();
        if (painted > 1) {
            b.append("\033[").append(painted - 1).append('A');
        }
        for (int i = 0; i < lines.size(); i++) {
            b.append('\r').append(lines.get(i)).append("\033[K");
            if (i < lines.size() - 1) {
                b.append('\n');
            }
        }
        painted = lines.size();
        ctx.err().print(b);
        ctx.err().flush();
    }

    private synchronized void clear() {
        if (painted == 0) {
            return;
        }
        StringBuilder b = new StringBuilder();
        if (painted > 1) {
            b.append("\033[").append(painted - 1).append('A');
        }
        b.append("\r\033[J");
        ctx.err().print(b);
        ctx.err().flush();
        painted = 0;
        lastPainted = List.of();
    }
}

package dev.bgfetch.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgfetch.progress.Escapes;
import dev.bgfetch.progress.FileProgress;
import dev.bgfetch.progress.Snapshot;
import dev.bgfetch.progress.TerminalView;
import dev.bgfetch.progress.Tracker;
import dev.bgfetch.progress.View;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.FetchFollower;
import dev.bgfetch.state.Store;
import dev.bgfetch.state.StoreWatch;
import dev.bgfetch.state.Views;
import dev.bgfetch.worker.WorkerLauncher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Follows fetches until they settle, for watch, wait and fetch --wait, and shows them: the JLine view
 * on a terminal, a plain line every few seconds on any other stderr (none with -q), JSON lines on
 * stdout for watch --json. Restarts a worker that died. Runs on the calling thread, which is the only
 * one that touches the terminal.
 */
final class LiveView {
    /** How a follow ends and what it prints at the end. */
    enum Mode {
        /** watch: JSON lines on stdout with --json; without ids, ends when nothing is active. */
        WATCH,
        /** wait, fetch --wait: the settled documents on stdout with --json, a --timeout. */
        WAIT
    }

    /** A frame of the view; a file's numbers move every 250 ms, so 10 frames a second look smooth. */
    private static final long PAINT_MS = 100;
    /**
     * Without a view a poll is a stat and a small read per fetch; a settle wakes the wait at once
     * through {@link StoreWatch} where the file system can tell, else it is seen within 40 ms.
     */
    private static final long POLL_MS = 40;
    private static final long JSON_EVERY_MS = 250;
    private static final long PLAIN_EVERY_MS = 5000;
    private static final long WORKER_CHECK_MS = 2000;

    private final CommandContext ctx;
    private final Mode mode;
    private Duration timeout;

    LiveView(CommandContext ctx, Mode mode) {
        this.ctx = ctx;
        this.mode = mode;
    }

    /** Gives up after this long (exit 124), leaving the fetches running. */
    LiveView timeout(Duration limit) {
        this.timeout = limit;
        return this;
    }

    /**
     * Follows these keys (null: every active fetch, and the new ones as they come) until they have
     * settled; returns the wait exit code of the first failure in argument order, else 0, 124 on a
     * timeout, or 130 on Ctrl-C.
     */
    int follow(List<String> keys) {
        Store store = ctx.store();
        boolean jsonLines = mode == Mode.WATCH && ctx.globals().json();
        boolean quiet = ctx.globals().quiet() || ctx.globals().json();
        boolean ascii = !Terminals.unicode(); // glyphs follow the charset; colour follows NO_COLOR
        TerminalView tv = !quiet && ctx.interactive() ? TerminalView.open(ctx.globals().color()) : null;
        boolean plain = tv == null && !quiet;
        boolean detail = tv != null || jsonLines; // every poll reads byte counts, not only settles
        Tracker tracker = new Tracker();
        Map<String, FetchFollower> followers = new HashMap<>();
        Map<String, String> lastJson = new HashMap<>();
        Map<String, Long> lastJsonAt = new HashMap<>();
        Map<String, Integer> codes = new LinkedHashMap<>();
        Set<String> followed = new LinkedHashSet<>(keys == null ? List.of() : keys);
        long start = System.nanoTime();
        // a span, not an instant: start + a timeout of centuries would overflow into the past
        long limit = timeout == null ? Long.MAX_VALUE : timeout.toNanos();
        long lastPlain = start;
        long lastWorkerCheck = start;
        int failedStarts = 0;
        boolean saidFull = false;
        // Following every fetch: those active now, and each one registered from now on, even one that
        // settles between two polls (a small file on a running worker takes milliseconds).
        List<String> before = keys == null ? store.keysAfter(null) : List.of();
        String last = before.isEmpty() ? null : before.get(before.size() - 1);
        StoreWatch watch = null; // opened at the first wait: a fetch settled already needs none
        try {
            while (true) {
                if (keys == null) {
                    followed.addAll(store.activeStamps().keySet());
                    followed.addAll(store.keysAfter(last));
                }
                long now = System.nanoTime();
                boolean plainDue = plain && now - lastPlain >= PLAIN_EVERY_MS * 1_000_000;
                List<Snapshot> shown = new ArrayList<>();
                for (String key : followed) {
                    if (codes.containsKey(key)) {
                        continue;
                    }
                    if (!detail && !plainDue && !store.isSettled(key) && store.exists(key)) {
                        continue; // active, and nothing to show of it now
                    }
                    Optional<Fetch> read = followers.computeIfAbsent(key, store::follower).poll();
                    ctx.reportWarnings();
                    if (read.isEmpty()) {
                        if (keys != null) {
                            throw new CliException(ExitCodes.NOT_FOUND, "the fetch was forgotten while waiting");
                        }
                        codes.put(key, ExitCodes.OK); // watch: a fetch forgotten meanwhile just leaves
                        continue;
                    }
                    Fetch f = read.get();
                    Snapshot s = tracker.snapshot(f);
                    if (jsonLines) {
                        String line = Views.compact(node(f, s));
                        Long at = lastJsonAt.get(key);
                        boolean due = at == null || now - at >= JSON_EVERY_MS * 1_000_000;
                        if (!line.equals(lastJson.get(key)) && (due || f.hasSettled())) {
                            ctx.out().println(line);
                            if (ctx.out().checkError()) {
                                // the reader left or the disk is full: following on would write into the void
                                // until the fetch settles (Stdout's verdict turns this into the exit code)
                                return ExitCodes.OK;
                            }
                            lastJson.put(key, line);
                            lastJsonAt.put(key, now);
                        }
                    }
                    if (f.hasSettled()) {
                        codes.put(key, ExitCodes.forFailureReason(f.failureReason));
                        if (tv != null) {
                            tv.printAbove(View.finalLine(s, f.dir, tv.width(), ascii));
                        } else if (plain) {
                            ctx.err().println(View.finalLine(s, f.dir, 0, true));
                            ctx.err().flush();
                        }
                        continue;
                    }
                    shown.add(s);
                }
                if (tv != null) {
                    tv.show(View.render(shown, tv.width(), tv.height(), ascii));
                } else if (plainDue) {
                    lastPlain = now;
                    for (Snapshot s : shown) {
                        ctx.err().println(View.plainLine(s));
                    }
                    ctx.err().flush();
                }
                if (codes.size() == followed.size() && (keys != null || store.activeStamps().isEmpty())) {
                    return finish(keys == null ? List.copyOf(codes.keySet()) : keys, codes);
                }
                if (System.nanoTime() - start > limit) {
                    if (tv != null) {
                        tv.close();
                    }
                    ctx.err().println("bgfetch: timed out waiting; the fetch goes on");
                    if (mode == Mode.WAIT && ctx.globals().json() && keys != null) {
                        printDocuments(keys); // as they stand: a script reads why it timed out
                    }
                    return ExitCodes.TIMEOUT;
                }
                if (System.nanoTime() - lastWorkerCheck > WORKER_CHECK_MS * 1_000_000) {
                    lastWorkerCheck = System.nanoTime();
                    // Said once each time the disk fills: a worker that cannot write the store keeps
                    // its fetches running in memory and settles them once there is room again.
                    boolean full = store.outOfSpace();
                    if (full && !saidFull) {
                        String why = "bgfetch: warning: no space left for the store "
                                + Escapes.terminal(store.home().toString())
                                + ": the worker cannot save progress or settle until some is freed; still waiting";
                        if (tv != null) {
                            tv.printAbove(why);
                        } else {
                            ctx.err().println(why);
                            ctx.err().flush();
                        }
                    }
                    saidFull = full;
                    if (!WorkerLauncher.isRunning(store) && ctx.ensureWorker() && ++failedStarts >= 2) {
                        // Started again once already: following on would only restart it for ever.
                        throw new CliException(ExitCodes.FAILURE, "the worker cannot start; see "
                                + store.workerFiles().log() + " (nothing is lost: the next command tries again)");
                    }
                }
                if (watch == null) {
                    watch = store.watch();
                }
                if (tv != null && tv.interrupted() || pause(watch, detail ? PAINT_MS : POLL_MS)
                        || tv != null && tv.interrupted()) {
                    return ExitCodes.INTERRUPTED;
                }
            }
        } finally {
            if (tv != null) {
                tv.close();
            }
            if (watch != null) {
                watch.close();
            }
        }
    }

    /** The exit code of the first failure in argument order, after wait --json printed the fetches. */
    private int finish(List<String> keys, Map<String, Integer> codes) {
        if (mode == Mode.WAIT && ctx.globals().json()) {
            printDocuments(keys);
        }
        for (String key : keys) {
            int code = codes.getOrDefault(key, ExitCodes.OK);
            if (code != ExitCodes.OK) {
                return code;
            }
        }
        return ExitCodes.OK;
    }

    /** wait --json: the fetches' documents, one as an object, several as an array in argument order. */
    private void printDocuments(List<String> keys) {
        List<ObjectNode> docs = new ArrayList<>();
        for (String key : keys) {
            Fetch f = ctx.store().byKey(key).orElseThrow(() ->
                    new CliException(ExitCodes.NOT_FOUND, "the fetch was forgotten while waiting"));
            docs.add(Views.fetch(f, true));
        }
        if (docs.size() == 1) {
            ctx.printJson(docs.get(0)); // one fetch is an object, as it always was
        } else {
            ArrayNode all = Views.array();
            docs.forEach(all::add);
            ctx.printJson(all);
        }
    }

    /** Waits up to {@code ms}, less when a fetch comes or goes; true when interrupted. */
    private static boolean pause(StoreWatch watch, long ms) {
        try {
            watch.await(ms);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** The §1 fields plus eta and the running files' progress: one line of {@code watch --json}. */
    static ObjectNode node(Fetch f, Snapshot s) {
        ObjectNode n = Views.fetch(f, false);
        n.put("eta", s.eta());
        ArrayNode running = n.putArray("running");
        for (FileProgress p : s.running) {
            running.addObject().put("index", p.index()).put("name", p.name()).put("downloaded", p.downloaded())
                    .put("total", p.total()).put("speed", p.speed());
        }
        return n;
    }
}

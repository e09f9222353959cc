package dev.bgfetch.worker;

import dev.bgfetch.state.FailureReason;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.RecordResult;
import dev.bgfetch.state.SegmentMap;
import dev.bgfetch.state.Store;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;

/**
 * Ends runs: settles each fetch whose records have all finished, retires a fetch that left the active
 * set without the worker (aborted or forgotten), and runs their hooks and notifications on the pool.
 * Loop thread only; a hook's end comes back through the events queue.
 */
final class Settler {
    private final Store store;
    private final Map<String, FetchRun> runs;
    private final StoreSync storeSync;
    private final Names names;
    private final ExecutorService pool;
    private final BlockingQueue<Runnable> events;
    private final HookRunner hooks;
    private final java.time.Duration hookTimeout;
    private final Notifier notifier;
    private int hooksRunning;

    Settler(Store store, Setting.Values settings, Map<String, FetchRun> runs, StoreSync storeSync, Names names,
            ExecutorService pool, BlockingQueue<Runnable> events) {
        this.store = store;
        this.runs = runs;
        this.storeSync = storeSync;
        this.names = names;
        this.pool = pool;
        this.events = events;
        this.hookTimeout = settings.duration(Setting.HOOK_TIMEOUT);
        this.hooks = new HookRunner(store, hookTimeout);
        this.notifier = Notifier.of(settings.bool(Setting.NOTIFY), System.getenv());
    }

    /** Hooks started and not back yet: the worker is not idle while one runs. */
    int hooksRunning() {
        return hooksRunning;
    }

    void settleFinished() {
        for (FetchRun r : new ArrayList<>(runs.values())) {
            if (r.running() > 0 || !r.allFinished() || !runs.containsKey(r.key)) {
                continue;
            }
            if (r.stopping && !r.records.stream().anyMatch(j -> j.result == RecordResult.DOWNLOAD_TOTAL_EXCEEDED)) {
                continue; // stopped from outside: the worker's sync retires it
            }
            boolean[] byUs = {false};
            Optional<Fetch> settled = storeSync.persist(r, f -> {
                if (!f.hasSettled()) {
                    byUs[0] = true;
                    for (RecordRun j : r.records) {
                        f.finishRecord(r.fetch.records.get(j.index), j.result);
                    }
                    if (r.firstFailure != FailureReason.NONE) {
                        f.failureReason = r.firstFailure;
                    }
                    f.settle();
                    if (f.pendingHook() == null || f.pendingHook().isBlank()) {
                        f.hookDone = true;
                    }
                }
            });
            release(r);
            settled.ifPresent(f -> {
                if (!byUs[0] && f.failureReason == FailureReason.ABORTED) {
                    // Aborted after the last sync: the bodies not delivered before it go, as in retireGone.
                    store.byKey(f.key).ifPresent(Parts::deleteUnfinished);
                }
                Log.info("settled '" + f.id + "': " + f.result
                        + (f.failureReason == FailureReason.NONE ? "" : " (" + f.failureReason + ")"));
                if (f.pendingHook() != null) {
                    startHook(f);
                }
                if (notifier.enabled()) {
                    pool.execute(() -> notifier.settled(f));
                }
            });
        }
    }

    /** The fetch left the active set without us: aborted (drop its partial data, run its hook) or forgotten. */
    void retireGone(FetchRun r) {
        release(r);
        Optional<Fetch> now = store.byKey(r.key);
        if (now.isPresent() && now.get().failureReason == FailureReason.ABORTED) {
            Parts.deleteUnfinished(now.get());
            Log.info("'" + now.get().id + "' was aborted");
        }
        now.filter(f -> f.pendingHook() != null).ifPresent(this::startHook);
    }

    /** The run is over (settled or gone): no map of it will be resumed from, and its names are free. */
    private void release(FetchRun r) {
        runs.remove(r.key);
        if (!r.lost) {
            for (RecordRun j : r.records) {
                if (j.segments != null) {
                    j.segments.forget(store);
                }
            }
            SegmentMap.deleteAll(store, r.key);
        }
        names.release(r);
    }

    /** Before this worker runs a hook: the records files that hooks of a killed worker left (see Store#dropStaleHookRecords). */
    void dropStaleHookRecords() {
        store.dropStaleHookRecords(hookTimeout);
    }

    /** Runs the hooks that settled fetches still owe (a worker that died before running one, an abort with none running). */
    void startPendingHooks() {
        for (Fetch f : store.settled()) {
            if (f.pendingHook() != null) {
                startHook(f);
            }
        }
    }

    private void startHook(Fetch f) {
        String[] pending = {null};
        // Decided on the stored copy under the lock, so two paths that both saw it pending run it once.
        Optional<Fetch> marked = store.update(f.key, x -> {
            pending[0] = x.pendingHook();
            x.hookDone = true;
        });
        String cmd = pending[0];
        if (marked.isEmpty() || cmd == null || cmd.isBlank()) {
            return;
        }
        hooksRunning++;
        Fetch settled = marked.get();
        pool.execute(() -> {
            try {
                hooks.run(settled, cmd);
            } catch (RuntimeException e) {
                Log.info("hook of '" + settled.id + "' failed: " + e);
            } finally {
                events.add(() -> hooksRunning--);
            }
        });
    }
}

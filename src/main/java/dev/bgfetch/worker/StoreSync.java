package dev.bgfetch.worker;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.Store;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The worker's door to the store: reads the active fetches that changed since it last looked, and
 * writes a run's changes back under the store lock, delivering its finished bodies in the same step
 * and remembering its own write so that the next read skips it. Loop thread only.
 */
final class StoreSync {
    /** What {@link #read} found: the fetches to take in, and the keys of every active fetch. */
    record Changes(Map<String, Fetch> changed, Set<String> active) {
    }

    private final Store store;
    private final Delivery delivery;
    /** Active keys → the file stamps last parsed; a file whose stamp is unchanged is not read again. */
    private final Map<String, String> seen = new HashMap<>();

    StoreSync(Store store, Delivery delivery) {
        this.store = store;
        this.delivery = delivery;
    }

    /**
     * The active fetches whose files changed since the last read: a new one (not {@code known}) is read
     * whole once, a known one only by its summary (pause, resume, abort).
     */
    Changes read(Predicate<String> known) {
        Map<String, String> stamps = store.activeStamps();
        Map<String, Fetch> changed = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : new ArrayList<>(stamps.entrySet())) {
            String key = e.getKey();
            if (!e.getValue().equals(seen.get(key))) {
                Optional<Fetch> got = known.test(key) ? store.summary(key) : store.byKey(key);
                if (got.isPresent() && got.get().hasSettled()) {
                    stamps.remove(key); // settled, its move to settled/ cut short by a crash: gone for us
                } else {
                    got.ifPresent(f -> changed.put(f.key, f));
                }
                seen.put(key, e.getValue());
            }
        }
        seen.keySet().retainAll(stamps.keySet());
        return new Changes(changed, stamps.keySet());
    }

    /**
     * Writes through the store and remembers the stamp of our own write, taken under the same lock,
     * so the next read does not parse back what we just wrote, yet still sees anyone else's change:
     * if the file changed since the last read (a pause, a resume), the stamp is left alone, or that
     * change would be mistaken for ours and never acted on.
     */
    private Optional<Fetch> write(String key, Store.RunChange change) {
        return store.locked(() -> {
            boolean onlyOurs = Objects.equals(store.activeStamp(key), seen.get(key));
            Optional<Fetch> stored = store.recordChanges(key, change);
            String stamp = store.activeStamp(key);
            if (stamp != null && seen.containsKey(key) && onlyOurs) {
                seen.put(key, stamp);
            }
            return stored;
        });
    }

    /**
     * Stores the run's changes, then publishes its byte counts. Finished bodies are renamed to their
     * final names here, under the store lock and only while the fetch is still active, and their
     * success is journaled (fsynced) in the same step: an abort (which takes the same lock) either
     * sees the record succeeded or finds no final file (its .part is then deleted with the other
     * unfinished ones). {@code then} may settle the fetch; all records are then stored whole.
     */
    Optional<Fetch> persist(FetchRun r, Consumer<Fetch> then) {
        if (r.deliversUnjournaled()) {
            // The lengths of the bodies about to be renamed are journaled first: a worker killed
            // between a rename and its success line leaves a final file the next worker can prove
            // whole (Worker#recover), not one it fetches again under NAME.1.EXT (91 of 1000 files
            // after one kill -9 mid-W2, before this).
            write(r.key, s -> s.isActive() ? r.applyTo(s) : List.of());
        }
        Optional<Fetch> stored = write(r.key, s -> {
            boolean wasActive = s.isActive();
            if (wasActive) {
                delivery.deliverFinished(r);
            }
            List<Rec> changed = r.applyTo(s);
            then.accept(s);
            return wasActive && s.hasSettled() ? r.fetch.records : changed;
        });
        stored.filter(Fetch::isActive).ifPresent(f -> {
            store.publishProgress(r.key, f.downloaded, f.speed, r.perRecord());
            r.observe(f);
        });
        return stored;
    }
}

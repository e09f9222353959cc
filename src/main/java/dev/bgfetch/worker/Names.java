package dev.bgfetch.worker;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.RecordResult;
import dev.bgfetch.state.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The final names this worker holds for its records, so two records never write one file, and the
 * .part files of settled quota-exceeded records that a new record of the same URL adopts. Loop thread
 * only.
 */
final class Names {
    private final Store store;
    private final Set<Path> reserved = ConcurrentHashMap.newKeySet();
    private final NamesOnDisk onDisk = new NamesOnDisk();
    /** Settled records whose .part was kept for a resume (quota-exceeded), read once per scheduling pass. */
    private List<Rec> adoptable;

    Names(Store store) {
        this.store = store;
    }

    /** A record picked up with its name already chosen (by an earlier worker) keeps it. */
    void hold(RecordRun j) {
        if (j.target != null && !j.isDone()) {
            reserved.add(j.target);
        }
    }

    /** Chooses the record's final name in its fetch's directory, adopting a kept .part there if one fits. */
    void reserve(RecordRun j) {
        Rec rec = j.run.fetch.records.get(j.index);
        String name = rec.out != null ? Naming.sanitize(rec.out) : Naming.fromUrl(j.url);
        j.fresh = true; // unless choose adopts a kept .part
        j.named(Naming.choose(Path.of(j.run.fetch.dir), name, reserved, t -> adopt(j, t), onDisk::exists));
        reserved.add(j.target);
    }

    void release(Path target) {
        reserved.remove(target);
    }

    /** The run is over: none of its names is held any more. */
    void release(FetchRun r) {
        for (RecordRun j : r.records) {
            if (j.target != null) {
                reserved.remove(j.target);
            }
        }
    }

    /** Renames {@code part} to {@code target} or a free variant of it (see {@link Naming#deliver}). */
    Path deliver(Path part, Path target, Object partKey) throws IOException {
        return Naming.deliver(part, target, reserved, partKey);
    }

    /** A new scheduling pass: settled fetches and the directories are read again if a name is chosen. */
    void newPass() {
        adoptable = null;
        onDisk.forget();
    }

    /**
     * Takes over the .part a settled quota-exceeded record of the same URL left at {@code target}: its
     * validators and total come along, so the transfer resumes with Range and If-Range (a changed
     * resource gets a 200 and starts over, as for any resume).
     */
    private boolean adopt(RecordRun j, Path target) {
        if (adoptable == null) {
            adoptable = new ArrayList<>();
            for (Fetch f : store.settledWithRecords()) {
                for (Rec r : f.records) {
                    if (r.result == RecordResult.QUOTA_EXCEEDED && r.target != null
                            && (r.etag != null || r.lastModified != null)) {
                        adoptable.add(r);
                    }
                }
            }
        }
        long size;
        try {
            BasicFileAttributes a = Files.readAttributes(Naming.part(target), BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                return false;
            }
            size = a.size();
        } catch (IOException e) {
            return false;
        }
        for (int i = adoptable.size() - 1; i >= 0; i--) {
            Rec r = adoptable.get(i);
            if (r.target.equals(target.toString()) && r.request.url.equals(j.url.toString())
                    && (r.total == null || size <= r.total)) {
                j.adopt(r, size);
                adoptable.remove(i);
                Log.info("'" + j.run.fetch.id + "' #" + j.index + " resumes the " + size + " bytes kept in "
                        + Naming.part(target));
                return true;
            }
        }
        return false;
    }
}

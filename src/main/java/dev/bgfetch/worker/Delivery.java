package dev.bgfetch.worker;

import dev.bgfetch.state.IoReason;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.RecordResult;
import dev.bgfetch.state.Store;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * What becomes of a record's .part once the record ends: renamed to its final name when the body is
 * whole and checked, cut to its gapless prefix and kept when the quota stopped it, deleted otherwise
 * (and a record that could not create its .part goes back to be named afresh).
 * Loop thread only.
 */
final class Delivery {
    private final Store store;
    private final Names names;
    private final boolean fsync;

    Delivery(Store store, Names names, boolean fsync) {
        this.store = store;
        this.names = names;
        this.fsync = fsync;
    }

    /** Renames every finished body of the run to its final name; called under the store lock (see StoreSync#persist). */
    void deliverFinished(FetchRun r) {
        Set<Path> dirs = new HashSet<>();
        for (RecordRun j : r.records) {
            if (j.phase() != RecordRun.Phase.DELIVERABLE) {
                continue;
            }
            try {
                Path target = j.target;
                if (j.dispositionName != null) {
                    target = Naming.inside(target.getParent(), j.dispositionName);
                }
                Path delivered = names.deliver(Naming.part(j.target), target, j.partKey);
                if (j.segments != null) {
                    j.segments.forget(store);
                }
                j.delivered(delivered);
                names.release(j.target);
                dirs.add(j.path.getParent());
                Log.info("'" + r.fetch.id + "' #" + j.index + " " + RecordResult.SUCCESS);
            } catch (IOException e) {
                fail(j, RecordResult.FETCH_ERROR, "cannot deliver " + j.target + ": " + IoReason.of(e));
                Log.info("'" + r.fetch.id + "' #" + j.index + " " + j.error);
            } catch (RuntimeException e) {
                fail(j, RecordResult.FETCH_ERROR, "cannot deliver " + j.target + ": " + e.getMessage());
                Log.info("'" + r.fetch.id + "' #" + j.index + " " + j.error);
            }
        }
        if (fsync) {
            for (Path d : dirs) {
                try (FileChannel dir = FileChannel.open(d, StandardOpenOption.READ)) {
                    dir.force(true);
                } catch (IOException e) {
                    // a file system that cannot fsync a directory; the rename is still atomic
                }
            }
        }
    }

    /** The record failed with {@code result}: its segment map goes, and so does its .part but for a quota. */
    void fail(RecordRun j, RecordResult result, String message) {
        j.failed(result, message);
        boolean sparse = j.segments != null && j.segments.mapped;
        long prefix = sparse ? j.segments.prefix() : -1;
        if (j.segments != null) {
            j.segments.forget(store);
        }
        if (j.target != null) {
            names.release(j.target);
            if (result != RecordResult.QUOTA_EXCEEDED) {
                // Other failures leave nothing half-written behind.
                Parts.deleteOurs(Naming.part(j.target), j.partKey);
            } else if (sparse) {
                // Quota keeps what fit for a later resume, but a later fetch trusts the .part's length:
                // a sparse .part of segments is cut to its gapless prefix, and the record counts that.
                long kept = Parts.cut(Naming.part(j.target), prefix);
                j.restarted(j.downloaded.get() - kept);
            }
        }
    }

    /** Its .part could not be created, the name being taken meanwhile: it holds no data, and is named afresh. */
    void nameTaken(RecordRun j) {
        if (j.segments != null) {
            j.segments.forget(store);
        }
        names.release(j.target);
        j.nameTaken();
    }

    /** Stopped for good (the group's cap, an abort): nothing will resume from its data. */
    void abort(RecordRun j) {
        j.aborted();
        if (j.segments != null) {
            j.segments.forget(store);
        }
        if (j.target != null) {
            names.release(j.target);
            Parts.delete(Naming.part(j.target));
        }
    }
}

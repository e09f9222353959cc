package dev.bgfetch.worker;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.IoReason;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.RecordResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Removal of partial data that no record will ever resume from. */
public final class Parts {
    private Parts() {
    }

    /** Deletes the .part files of an aborted fetch's unfinished records; delivered files stay. */
    public static void deleteUnfinished(Fetch f) {
        for (Rec r : f.records) {
            if (r.result != RecordResult.SUCCESS && r.target != null) {
                delete(Naming.part(Path.of(r.target)));
            }
        }
    }

    /**
     * Cuts a .part to its first {@code length} bytes, durably, and returns what it keeps; a .part
     * that cannot be cut (a link, gone, an I/O error) is deleted and keeps 0.
     */
    static long cut(Path part, long length) {
        if (length <= 0) {
            delete(part);
            return 0;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(part,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            if (ch.size() < length) {
                throw new IOException("shorter than its segments say");
            }
            ch.truncate(length);
            ch.force(false);
            return length;
        } catch (IOException e) {
            Log.info("cannot keep " + part + " for a resume: " + IoReason.of(e));
            delete(part);
            return 0;
        }
    }

    /**
     * Deletes the .part a record's transfer wrote, {@code key} its identity (null: not known, deleted
     * whatever it is): a file somebody put at the name meanwhile is theirs and stays (the transfer
     * failed with "was removed or replaced" on seeing it, and the cleanup then deleted it).
     */
    static void deleteOurs(Path part, Object key) {
        if (key != null) {
            try {
                Object now = Files.readAttributes(part, java.nio.file.attribute.BasicFileAttributes.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
                if (!key.equals(now)) {
                    Log.info("left " + part + " alone: it is not the file the download wrote");
                    return;
                }
            } catch (IOException e) {
                return; // gone already
            }
        }
        delete(part);
    }

    /** Deletes the name itself: a link found there is removed, never what it points to. */
    static void delete(Path part) {
        try {
            Files.deleteIfExists(part);
        } catch (IOException e) {
            Log.info("cannot delete " + part + ": " + IoReason.of(e));
        }
    }
}

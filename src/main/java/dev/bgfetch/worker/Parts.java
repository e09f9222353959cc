package dev.bgfetch.worker;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.IoReason;
import dev.bgfetch.state.Rec;
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
            if (!Rec.SUCCESS.equals(r.result) && r.target != null) {
                delete(Naming.part(Path.of(r.target)));
            }
        }
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

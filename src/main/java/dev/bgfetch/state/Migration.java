package dev.bgfetch.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns a schema-1 store (one {@code KEY.json} per fetch) into schema 2 (a directory per fetch), under
 * the store lock. Per fetch, the new directory is built aside and renamed into place before the old
 * file goes, so a crash at any step leaves either the old file (migrated again on the next open) or
 * the complete new directory (the old file, if still there, is then just removed). Files of a newer
 * schema are left as they are.
 */
final class Migration {
    private static final int OLD_SCHEMA = 1;
    private final Store store;

    Migration(Store store) {
        this.store = store;
    }

    void run() throws IOException {
        // Settled first: a crash mid-settle in schema 1 left both copies, and the settled one wins.
        for (Path dir : new Path[] {store.dirs().settledDir(), store.dirs().activeDir()}) {
            for (Path old : store.dirs().files(dir)) {
                migrate(dir, old);
            }
        }
    }

    private void migrate(Path dir, Path old) throws IOException {
        String name = old.getFileName().toString();
        String key = name.substring(0, name.length() - ".json".length());
        byte[] data = Files.readAllBytes(old);
        int schema = store.dirs().schemaOf(data);
        if (schema > OLD_SCHEMA) {
            return; // not ours to touch; readers report it
        }
        boolean done = Files.isDirectory(dir.resolve(key))
                || dir.equals(store.dirs().activeDir()) && Files.isDirectory(store.dirs().settledDir().resolve(key));
        if (!done) {
            Fetch f;
            try {
                f = StateJson.readFetch(data);
                if (f.key == null || f.id == null || f.records == null || !f.key.equals(key)) {
                    throw new JsonProcessingException("missing key, id or records") { };
                }
            } catch (IOException e) {
                store.dirs().quarantine(old, old, e.getMessage());
                return;
            }
            for (int i = 0; i < f.records.size(); i++) {
                f.records.get(i).index = i;
            }
            f.schema = Store.DISK_SCHEMA;
            f.summarize();
            store.dirs().createDir(dir, f);
        }
        Files.delete(old);
        DurableFiles.fsyncDir(dir);
    }
}

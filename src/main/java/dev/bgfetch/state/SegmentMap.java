package dev.bgfetch.state;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The segments of one record fetched over several connections, as persisted for a resume after a
 * crash: {@code segments/<fetchKey>-<index>.json} in the store, written atomically.
 *
 * <p>Once a record is split its .part is sparse, so its length no longer says what is on disk: this
 * map does. The rule that keeps it honest: the map never claims a byte that may not be on disk. The
 * caller reads the segments' {@code done} counts first, then forces the .part's data to disk, then
 * writes the map, so every claimed byte was written before the force that made it durable. And the
 * map is written before any connection but the first writes beyond the first one's bytes, so a record
 * with no map was never split and the .part length is still the truth for it.
 */
public final class SegmentMap {
    public int schema = 1;
    /** The strong validator (ETag, else Last-Modified) every segment's data was fetched under. */
    public String validator;
    public long total;
    public List<Part> segments = new ArrayList<>();

    /** {@code [start, end)}, of which {@code done} bytes from start are on disk. */
    public static final class Part {
        public long start;
        public long end;
        public long done;

        public Part() {
        }

        public Part(long start, long end, long done) {
            this.start = start;
            this.end = end;
            this.done = done;
        }
    }

    /**
     * Whether the segments cover {@code [0, total)} end to end, none claiming more than its length: a
     * map missing a segment, or with a count past its end, would leave a hole of zeros in the file.
     */
    public boolean coversTheFile() {
        List<Part> sorted = new ArrayList<>(segments);
        sorted.sort(java.util.Comparator.comparingLong(p -> p.start));
        long at = 0;
        for (Part p : sorted) {
            if (p.start != at || p.end < p.start || p.done < 0 || p.done > p.end - p.start) {
                return false;
            }
            at = p.end;
        }
        return at == total;
    }

    public static Path file(Store store, String fetchKey, int index) {
        return store.file("segments").resolve(fetchKey + "-" + index + ".json");
    }

    /** The map, or empty when there is none; an unreadable one is removed and counts as none. */
    public static Optional<SegmentMap> read(Store store, String fetchKey, int index) {
        Path p = file(store, fetchKey, index);
        try {
            SegmentMap m = StateJson.readSegments(Files.readAllBytes(p));
            return m.segments.isEmpty() ? Optional.empty() : Optional.of(m);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            delete(store, fetchKey, index);
            return Optional.empty();
        }
    }

    public void write(Store store, String fetchKey, int index) throws IOException {
        Path dir = store.file("segments");
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        store.writeFile("segments/" + file(store, fetchKey, index).getFileName(), StateJson.segments(this));
    }

    public static void delete(Store store, String fetchKey, int index) {
        try {
            Files.deleteIfExists(file(store, fetchKey, index));
        } catch (IOException e) {
            // a stale map is checked against the record's validator and total before use
        }
    }

    /** Removes every map of a fetch (settled, aborted or forgotten: nothing will resume from them). */
    public static void deleteAll(Store store, String fetchKey) {
        Path dir = store.file("segments");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, fetchKey + "-*.json")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort, as above
        }
    }
}

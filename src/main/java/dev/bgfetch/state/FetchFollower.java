package dev.bgfetch.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * Follows one fetch for a live view at several polls a second, at the cost of what changed: a live
 * view of a 10,000-file group must not parse megabytes of records per frame. The summary is parsed
 * again only when its file changed, the record journal (append-only while the fetch is active) is
 * read on from where the last poll stopped, and the byte counts come from the fixed-width progress
 * file. A settled fetch is read as its summary only. Read-only and for one polling thread.
 */
public final class FetchFollower {
    private final Store store;
    private final String key;
    private Fetch summary;
    private String summaryStamp;
    private Object journalId;
    private long journalRead;
    private Rec[] records;

    FetchFollower(Store store, String key) {
        this.store = store;
        this.key = key;
    }

    /**
     * The fetch now: while active with its records and their byte counts, once settled its summary
     * (no records); empty once forgotten.
     */
    public Optional<Fetch> poll() {
        Path dir = store.dirs().dirOf(key);
        if (!"active".equals(dir.getParent().getFileName().toString())) {
            return store.summary(key);
        }
        String stamp = stamp(dir.resolve(Store.SUMMARY));
        if (stamp == null) {
            // Moved to settled/ between the two looks, or forgotten.
            return Files.isDirectory(dir) ? Optional.empty() : store.summary(key);
        }
        if (!stamp.equals(summaryStamp)) {
            Optional<Fetch> s = store.dirs().readSummary(dir);
            if (s.isEmpty()) {
                return store.summary(key);
            }
            summary = s.get();
            summaryStamp = stamp;
        }
        if (summary.hasSettled()) {
            return store.summary(key); // a settle a crash cut short before its move: readers take it as settled
        }
        if (!readJournal(dir)) {
            records = null;
            summaryStamp = null;
            return store.byKey(key); // the careful reader: it reports and quarantines damage
        }
        Fetch f = summary;
        f.records = Arrays.asList(records);
        ProgressFile.read(dir.resolve(Store.PROGRESS), records.length, true).ifPresent(p -> {
            for (int i = 0; i < records.length; i++) {
                records[i].downloaded = Math.max(0, p.perRecord[i]);
            }
            f.speed = p.speed;
        });
        long sum = 0;
        for (Rec r : records) {
            sum += r.downloaded;
        }
        f.downloaded = sum;
        f.summarize();
        return Optional.of(f);
    }

    /** Reads the journal's new whole lines; false when it cannot be followed (damaged, incomplete). */
    private boolean readJournal(Path dir) {
        Path journal = dir.resolve(Store.JOURNAL);
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.READ)) {
            Object id = Files.readAttributes(journal, BasicFileAttributes.class).fileKey();
            long size = ch.size();
            if (records == null || records.length != summary.files || !Objects.equals(id, journalId)
                    || size < journalRead) {
                // A rewritten journal (compacted, replaced whole) is a new file: read it from the start.
                records = new Rec[summary.files];
                journalRead = 0;
                journalId = id;
            }
            if (size > journalRead) {
                Journal.Tail tail = Journal.readFrom(ch, journalRead);
                for (String line : tail.lines) {
                    Rec r = StateJson.readRec(line);
                    if (r.index < 0 || r.index >= records.length || r.request == null) {
                        return false;
                    }
                    records[r.index] = r;
                }
                journalRead = tail.end; // a torn last line is read again, whole, at a later poll
            }
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
        for (Rec r : records) {
            if (r == null) {
                return false;
            }
        }
        return true;
    }

    private static String stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() + "/" + a.size() + "/" + a.fileKey();
        } catch (IOException e) {
            return null;
        }
    }
}

package dev.bgfetch.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.Optional;

/**
 * A running fetch's byte counts, fixed width, overwritten in place and never fsynced: losing it costs
 * nothing, because a resume trusts the {@code .part} length. A reader may see a write half done; the
 * numbers are then a mix of two instants, which a progress view tolerates. Layout (big-endian longs):
 * magic, record count, group bytes, speed, then one byte count per record.
 */
final class ProgressFile {
    private static final long MAGIC = 0x4247465052473032L; // "BGFPRG02"
    private static final int HEADER = 4 * Long.BYTES;

    /** What the file holds; {@code perRecord} is null when only the header was asked for. */
    static final class Progress {
        final long downloaded;
        final long speed;
        final long[] perRecord;

        Progress(long downloaded, long speed, long[] perRecord) {
            this.downloaded = downloaded;
            this.speed = speed;
            this.perRecord = perRecord;
        }
    }

    private ProgressFile() {
    }

    /** Overwrites the file; a missing directory (the fetch settled or was forgotten) is not an error. */
    static boolean write(Path file, long downloaded, long speed, long[] perRecord) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER + perRecord.length * Long.BYTES);
        b.putLong(MAGIC).putLong(perRecord.length).putLong(downloaded).putLong(speed);
        for (long n : perRecord) {
            b.putLong(n);
        }
        b.flip();
        try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                DurableFiles.fileAttrs())) {
            long pos = 0;
            while (b.hasRemaining()) {
                pos += ch.write(b, pos);
            }
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** The progress of a fetch of {@code records} records, or empty if the file is missing, short or not ours. */
    static Optional<Progress> read(Path file, int records, boolean withRecords) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() != HEADER + (long) records * Long.BYTES) {
                return Optional.empty(); // short, or another fetch's shape: not ours to trust
            }
            int want = HEADER + (withRecords ? records * Long.BYTES : 0);
            ByteBuffer b = ByteBuffer.allocate(want);
            while (b.hasRemaining() && ch.read(b) > 0) {
                // read on
            }
            if (b.hasRemaining()) {
                return Optional.empty();
            }
            b.flip();
            if (b.getLong() != MAGIC || b.getLong() != records) {
                return Optional.empty();
            }
            long downloaded = b.getLong();
            long speed = b.getLong();
            long[] per = null;
            if (withRecords) {
                per = new long[records];
                for (int i = 0; i < records; i++) {
                    per[i] = b.getLong();
                }
            }
            if (downloaded < 0 || speed < 0) {
                return Optional.empty();
            }
            return Optional.of(new Progress(downloaded, speed, per));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}

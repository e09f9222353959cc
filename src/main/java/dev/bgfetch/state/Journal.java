package dev.bgfetch.state;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.ArrayList;
import java.util.List;

/**
 * An append-only file of JSON lines. A line counts once its newline is on disk: a crash mid-append
 * leaves a torn last line, which readers ignore and the next append cuts off before it writes.
 */
final class Journal {
    private Journal() {
    }

    /** Appends whole lines (each without its newline) and, if asked, fsyncs them before returning. */
    static void append(Path file, List<byte[]> lines, boolean fsync) throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] l : lines) {
            b.write(l);
            b.write('\n');
        }
        try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE),
                DurableFiles.fileAttrs())) {
            long end = wholeLinesEnd(ch);
            if (end < ch.size()) {
                ch.truncate(end);
            }
            ch.position(end);
            DurableFiles.writeFully(ch, ByteBuffer.wrap(b.toByteArray()));
            if (fsync) {
                ch.force(false);
            }
        }
    }

    /** The whole lines of the file; a last line without its newline is torn and left out. */
    static List<String> read(Path file) throws IOException {
        byte[] data = Files.readAllBytes(file);
        List<String> out = new ArrayList<>();
        wholeLines(data, data.length, out);
        return out;
    }

    /** What {@link #readFrom} found: the whole lines after an offset, and where the last of them ends. */
    static final class Tail {
        final List<String> lines;
        final long end;

        Tail(List<String> lines, long end) {
            this.lines = lines;
            this.end = end;
        }
    }

    /**
     * The whole lines from {@code offset} on, for a reader that follows the file as it grows: a torn
     * last line is left out, and {@link Tail#end} stops before it, so the next read takes it whole.
     */
    static Tail readFrom(FileChannel ch, long offset) throws IOException {
        long size = ch.size();
        ByteBuffer b = ByteBuffer.allocate((int) Math.max(0, Math.min(Integer.MAX_VALUE - 8, size - offset)));
        while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
            // read on
        }
        List<String> out = new ArrayList<>();
        int used = wholeLines(b.array(), b.position(), out);
        return new Tail(out, offset + used);
    }

    /** Adds the non-empty whole lines of {@code data[0..n)} to {@code out}; returns where the last one ends. */
    private static int wholeLines(byte[] data, int n, List<String> out) {
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (data[i] == '\n') {
                if (i > start) {
                    out.add(new String(data, start, i - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return start;
    }

    /** Where the last whole line ends: the file's size unless a crash tore its tail. */
    private static long wholeLinesEnd(FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer one = ByteBuffer.allocate(4096);
        long pos = size;
        while (pos > 0) {
            long from = Math.max(0, pos - one.capacity());
            one.clear().limit((int) (pos - from));
            ch.read(one, from);
            for (int i = one.position() - 1; i >= 0; i--) {
                if (one.get(i) == '\n') {
                    return from + i + 1;
                }
            }
            pos = from;
        }
        return 0;
    }
}

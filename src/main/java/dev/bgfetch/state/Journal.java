package dev.bgfetch.state;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
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
        try (FileChannel ch = FileChannel.open(file, EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE),
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
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n') {
                if (i > start) {
                    out.add(new String(data, start, i - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return out;
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

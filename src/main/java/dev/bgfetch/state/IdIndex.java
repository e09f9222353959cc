package dev.bgfetch.state;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which id each fetch directory holds, one line {@code KEY ID} a registration in the store's
 * {@code ids} file, so that finding a fetch by its id (is this id taken? which fetch is {@code get
 * ID}?) reads one small file instead of every summary: with 140 active fetches that check was 25 ms
 * of a registration's 65. A key's id never changes, so a line never goes stale; the file is a hint
 * checked against the directories: a key it does not name (registered by an older bgfetch, or a
 * crash between the directory and its line) is read from its summary and added, and a line whose
 * directory is gone is dropped when the file is rewritten. It is never fsynced: what a crash loses
 * is found again the same way. Ids are written escaped ({@code %XXXX} for controls, {@code %} and
 * surrogates), so any id fits on one line.
 */
final class IdIndex {
    static final String FILE = "ids";

    private final Path file;

    IdIndex(Path home) {
        this.file = home.resolve(FILE);
    }

    /** Key → id of every whole line; a torn or garbled line (no newline, not a key) is skipped. */
    Map<String, String> read() {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new LinkedHashMap<>();
        } catch (IOException e) {
            return new LinkedHashMap<>(); // a hint only: every key is then read from its summary
        }
        Map<String, String> out = new LinkedHashMap<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n') {
                line(data, start, i, out);
                start = i + 1;
            }
        }
        return out;
    }

    private static void line(byte[] data, int from, int to, Map<String, String> out) {
        if (to - from < 17 || data[from + 15] != ' ') {
            return;
        }
        String key = new String(data, from, 15, StandardCharsets.US_ASCII);
        if (!Store.isKey(key)) {
            return;
        }
        String id = unescape(new String(data, from + 16, to - from - 16, StandardCharsets.UTF_8));
        if (id != null) {
            out.put(key, id);
        }
    }

    /** Adds lines in one write (appended whole or, if the process dies, not at all). */
    void append(Map<String, String> ids) throws IOException {
        if (ids.isEmpty()) {
            return;
        }
        byte[] lines = lines(ids);
        boolean torn = tornTail();
        try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), DurableFiles.fileAttrs())) {
            if (torn) {
                // A crash cut the last line: written on after it, the next key became part of its id
                // ("K1 ep1K2 ep10"), and K1 was then known by that id and never looked up again.
                byte[] after = new byte[lines.length + 1];
                after[0] = '\n';
                System.arraycopy(lines, 0, after, 1, lines.length);
                lines = after;
            }
            DurableFiles.writeFully(ch, ByteBuffer.wrap(lines));
        }
    }

    /** Whether the file does not end with a whole line. */
    private boolean tornTail() throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer last = ByteBuffer.allocate(1);
            return size > 0 && ch.read(last, size - 1) == 1 && last.get(0) != '\n';
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** Replaces the file with exactly these lines (temp file and rename, not fsynced). */
    void rewrite(Map<String, String> ids) throws IOException {
        Path tmp = file.resolveSibling("." + FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), DurableFiles.fileAttrs())) {
            DurableFiles.writeFully(ch, ByteBuffer.wrap(lines(ids)));
        }
        DurableFiles.move(tmp, file);
    }

    private static byte[] lines(Map<String, String> ids) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(ids.size() * 32);
        for (Map.Entry<String, String> e : ids.entrySet()) {
            byte[] line = (e.getKey() + " " + escape(e.getValue()) + "\n").getBytes(StandardCharsets.UTF_8);
            b.write(line, 0, line.length);
        }
        return b.toByteArray();
    }

    static String escape(String id) {
        StringBuilder b = null;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean plain = c >= 0x20 && c != 0x7f && c != '%' && !Character.isSurrogate(c);
            if (!plain && b == null) {
                b = new StringBuilder(id.length() + 8).append(id, 0, i);
            }
            if (b != null) {
                if (plain) {
                    b.append(c);
                } else {
                    String h = Integer.toHexString(c);
                    b.append('%').append("0".repeat(4 - h.length())).append(h);
                }
            }
        }
        return b == null ? id : b.toString();
    }

    /** The id of an escaped line, or null when the escapes do not parse. */
    static String unescape(String s) {
        int pct = s.indexOf('%');
        if (pct < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length()).append(s, 0, pct);
        for (int i = pct; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') {
                b.append(c);
                continue;
            }
            if (i + 5 > s.length()) {
                return null;
            }
            try {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
            } catch (NumberFormatException e) {
                return null;
            }
            i += 4;
        }
        return b.toString();
    }
}

package dev.bgfetch.worker;

import dev.bgfetch.http.HeaderText;
import java.io.IOException;
import java.net.URI;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/** File names for delivered records (SPEC §4.6–4.7): derived, sanitised, never clobbering, never outside the dir. */
public final class Naming {
    /** Room left for ".part" and a ".NNN" clash suffix under the usual 255-byte limit. */
    private static final int MAX_BYTES = 200;

    private Naming() {
    }

    /** The name a URL gives: its last path segment, percent-decoded and sanitised; empty → index.html. */
    public static String fromUrl(URI url) {
        String path = url.getRawPath();
        if (path == null) {
            return "index.html";
        }
        int slash = path.lastIndexOf('/');
        String seg = slash >= 0 ? path.substring(slash + 1) : path;
        return sanitize(decode(seg));
    }

    /**
     * Percent-decodes a path segment as UTF-8. A '%' that starts no escape, and an escaped byte that
     * is not part of a UTF-8 sequence, stay as they are; '+' is a literal plus in a path, not a space. A decoded '/' (%2F)
     * stays inside the segment for {@link #sanitize} to replace.
     */
    static String decode(String raw) {
        StringBuilder out = new StringBuilder(raw.length());
        int i = 0;
        while (i < raw.length()) {
            int runEnd = i;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            while (runEnd + 2 < raw.length() && raw.charAt(runEnd) == '%' && hex(raw.charAt(runEnd + 1))
                    && hex(raw.charAt(runEnd + 2))) {
                bytes.write(Integer.parseInt(raw.substring(runEnd + 1, runEnd + 3), 16));
                runEnd += 3;
            }
            if (runEnd == i) {
                out.append(raw.charAt(i++));
                continue;
            }
            appendUtf8(out, bytes.toByteArray(), raw.substring(i, runEnd));
            i = runEnd;
        }
        return out.toString();
    }

    /** Decodes each complete UTF-8 sequence; a byte that starts none stays as its escape from {@code raw}. */
    private static void appendUtf8(StringBuilder out, byte[] b, String raw) {
        for (int k = 0; k < b.length; ) {
            int lead = b[k] & 0xff;
            int len = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3
                    : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
            String decoded = null;
            if (len > 0 && k + len <= b.length) {
                try {
                    decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, k, len)).toString();
                } catch (CharacterCodingException e) {
                    decoded = null;
                }
            }
            if (decoded == null) {
                out.append(raw, 3 * k, 3 * k + 3);
                k++;
            } else {
                out.append(decoded);
                k += len;
            }
        }
    }

    private static boolean hex(char c) {
        return Character.digit(c, 16) >= 0 && c < 0x80;
    }

    /** Makes any text a safe single file name. */
    public static String sanitize(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\' || c < 0x20 || c >= 0x7f && c <= 0x9f || invisibleControl(c)) {
                b.append('_');
            } else {
                b.append(c);
            }
        }
        String s = b.toString().strip();
        int i = 0;
        while (i < s.length() && s.charAt(i) == '.') {
            i++;
        }
        s = s.substring(i);
        if (s.isEmpty()) {
            return "index.html";
        }
        return truncate(s);
    }

    /**
     * Bidi controls and line separators: a name with U+202E shows "photo‮gpj.exe" as
     * "photoexe.jpg" in ls and file managers, which browsers refuse to save too.
     */
    private static boolean invisibleControl(char c) {
        return c == 0x061c || c == 0x200e || c == 0x200f || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069
                || c == 0x2028 || c == 0x2029;
    }

    private static String truncate(String s) {
        if (s.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES) {
            return s;
        }
        String[] parts = split(s);
        String ext = parts[1].length() > 20 ? "" : parts[1];
        String base = parts[0];
        while ((base + ext).getBytes(StandardCharsets.UTF_8).length > MAX_BYTES && !base.isEmpty()) {
            base = base.substring(0, base.offsetByCodePoints(base.length(), -1));
        }
        return base + ext;
    }

    /** {@code NAME.EXT} → {name, ".EXT"}; a leading dot or no dot → {name, ""}. */
    static String[] split(String name) {
        int dot = name.lastIndexOf('.');
        if (dot <= 0) {
            return new String[] {name, ""};
        }
        return new String[] {name.substring(0, dot), name.substring(dot)};
    }

    /** The n-th clash variant: {@code NAME.n.EXT}. */
    public static String variant(String name, int n) {
        if (n == 0) {
            return name;
        }
        String[] p = split(name);
        return p[0] + "." + n + p[1];
    }

    /** The name a Content-Disposition header gives (filename* preferred), sanitised; null if none. */
    public static String fromContentDisposition(String header) {
        if (header == null) {
            return null;
        }
        String star = param(header, "filename*");
        if (star != null) {
            int q = star.indexOf("''");
            if (q >= 0) {
                String charset = star.substring(0, q).trim().toUpperCase(Locale.ROOT);
                String v = extValue(star.substring(q + 2), charset.equals("ISO-8859-1"));
                if (v != null) {
                    return sanitize(v);
                }
                // not the charset it names: fall through to filename=
            }
        }
        String plain = param(header, "filename");
        if (plain == null || plain.isBlank()) {
            return null;
        }
        // most often raw UTF-8, which browsers, curl -J and wget all take as UTF-8 ("café", not
        // "cafÃ©"); bytes that are not UTF-8 stay the Latin-1 characters RFC 6266 says they are
        String utf8 = HeaderText.asUtf8(plain);
        return sanitize(utf8 != null ? utf8 : plain);
    }

    /**
     * An RFC 8187 value: percent escapes and the bytes sent raw (which servers do too, in UTF-8: held
     * here as their Latin-1 characters) are one byte string in the named charset; null if the bytes
     * are not UTF-8 when UTF-8 is named, or an escape is broken.
     */
    private static String extValue(String raw, boolean latin1) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length() || !hex(raw.charAt(i + 1)) || !hex(raw.charAt(i + 2))) {
                    return null;
                }
                b.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 2;
            } else if (c > 0xff) {
                return null;
            } else {
                b.write(c);
            }
        }
        String text = new String(b.toByteArray(), StandardCharsets.ISO_8859_1);
        return latin1 ? text : HeaderText.asUtf8(text);
    }

    private static String param(String header, String name) {
        for (String part : header.split(";")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase(name)) {
                String v = p.substring(eq + 1).trim();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                    v = v.substring(1, v.length() - 1).replace("\\\"", "\"");
                }
                return v;
            }
        }
        return null;
    }

    /**
     * The first free path for {@code name} in {@code dir}: nothing exists at the name or its .part (a
     * link, even a dangling one, counts as taken) and no other record has reserved it.
     */
    public static Path choose(Path dir, String name, Set<Path> reserved) {
        return choose(dir, name, reserved, p -> false);
    }

    /**
     * As {@link #choose(Path, String, Set)}, but a name whose only trace is a .part that {@code adopt}
     * accepts (partial data the store can vouch for) is taken over rather than skipped.
     */
    public static Path choose(Path dir, String name, Set<Path> reserved, Predicate<Path> adopt) {
        return choose(dir, name, reserved, adopt, p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS));
    }

    /** As {@link #choose(Path, String, Set, Predicate)}, asking {@code exists} whether anything is at a name. */
    static Path choose(Path dir, String name, Set<Path> reserved, Predicate<Path> adopt, Predicate<Path> exists) {
        for (int n = 0; ; n++) {
            Path p = inside(dir, variant(name, n));
            if (reserved.contains(p) || meetsAPart(p, reserved) || exists.test(p)) {
                continue;
            }
            if (!exists.test(part(p)) || adopt.test(p)) {
                return p;
            }
        }
    }

    /**
     * Whether {@code p} is the .part of a reserved name, or its .part is one: two records of a group
     * named {@code x} and {@code x.part} would otherwise write one file, and the failing one's clean-up
     * deleted the other's delivered file.
     */
    static boolean meetsAPart(Path p, Set<Path> reserved) {
        String n = p.getFileName().toString();
        return reserved.contains(part(p))
                || n.endsWith(".part") && reserved.contains(p.resolveSibling(n.substring(0, n.length() - ".part".length())));
    }

    public static Path part(Path target) {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    /** Resolves a sanitised name in dir and proves it stays there. */
    static Path inside(Path dir, String name) {
        Path p = dir.resolve(name).normalize();
        if (!dir.equals(p.getParent())) {
            throw new IllegalArgumentException("refusing a file name outside " + dir + ": " + name);
        }
        return p;
    }

    /**
     * Moves a finished .part to its final name without ever replacing anything: a hard link fails if
     * the name is taken (by a file, a directory or a link, dangling or not), then the next variant is
     * tried. What sits at the .part name must be a regular file, never a link. Returns where it landed.
     */
    public static Path deliver(Path part, Path target, Set<Path> reserved) throws IOException {
        return deliver(part, target, reserved, null);
    }

    /** As {@link #deliver(Path, Path, Set)}, proving first that the .part is still the file with this identity. */
    public static Path deliver(Path part, Path target, Set<Path> reserved, Object partKey) throws IOException {
        BasicFileAttributes a = Files.readAttributes(part, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile() || partKey != null && !partKey.equals(a.fileKey())) {
            throw new FileSystemException(part.toString(), null, "the .part file was replaced after the download");
        }
        Path dir = target.getParent();
        String name = target.getFileName().toString();
        for (int n = 0; ; n++) {
            Path dest = inside(dir, variant(name, n));
            if (n > 0 && reserved.contains(dest) || meetsAPart(dest, reserved)) {
                continue;
            }
            try {
                Files.createLink(dest, part);
            } catch (FileAlreadyExistsException e) {
                continue;
            } catch (UnsupportedOperationException | IOException e) {
                // No hard links here (some FUSE or network file systems): check, then rename.
                if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try {
                    Files.move(part, dest);
                } catch (FileAlreadyExistsException taken) {
                    continue;
                }
                return dest;
            }
            Files.delete(part);
            return dest;
        }
    }
}

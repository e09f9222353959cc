package dev.bgfetch.progress;

/**
 * Makes text from servers and users safe to print for humans (SPEC §2): control characters, DEL,
 * C1 controls and the Unicode line/paragraph separators are shown as escapes ({@code \x1b}, {@code \n},
 * {@code \u2028}) so nothing can move the cursor, recolour the terminal or forge a line. JSON output
 * never goes through this: it keeps the exact strings.
 */
public final class Escapes {
    private Escapes() {
    }

    /** {@code s} with every unsafe character escaped; null becomes the empty string. */
    public static String terminal(String s) {
        if (s == null) {
            return "";
        }
        int i = 0;
        while (i < s.length() && safe(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 8).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (safe(c)) {
                b.append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c == '\\') {
                b.append("\\\\");
            } else if (c < 0x100) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    private static boolean safe(char c) {
        // A backslash is escaped only where something else is, so plain Windows-ish names stay readable;
        // it is always safe on its own. Bidi overrides (U+202A..U+202E, U+2066..U+2069) can reorder what
        // a user reads, so they are escaped too.
        return c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0) && c != 0x2028 && c != 0x2029
                && !(c >= 0x202a && c <= 0x202e) && !(c >= 0x2066 && c <= 0x2069);
    }
}

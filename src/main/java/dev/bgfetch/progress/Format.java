package dev.bgfetch.progress;

import java.util.Locale;
import org.jline.utils.WCWidth;

/** Pure formatting of snapshots into terminal lines; no terminal needed, so unit tests call it directly. */
public final class Format {
    private Format() {
    }

    /** {@code 1.5 MiB}, {@code 512 B}. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return rounded(v, v >= 100 ? 0 : 1) + " " + units[u];
    }

    /**
     * {@code v} (at least 0) with {@code decimals} (0 or 1) digits after the point, as
     * {@code String.format("%.1f")} writes it: the shortest decimal digits of the double, rounded half
     * up. By hand, because a command's first String.format parses the format with a regular expression
     * and loads the Formatter, ~10 ms of {@code get} on a cold JVM.
     */
    static String rounded(double v, int decimals) {
        String s = Double.toString(v);
        int dot = s.indexOf('.');
        if (s.indexOf('E') >= 0 || dot < 0) {
            return String.format(Locale.ROOT, decimals == 0 ? "%.0f" : "%.1f", v);
        }
        long whole = Long.parseLong(s.substring(0, dot));
        int first = s.charAt(dot + 1) - '0';
        int second = dot + 2 < s.length() ? s.charAt(dot + 2) - '0' : 0;
        if (decimals == 0) {
            return Long.toString(whole + (first >= 5 ? 1 : 0));
        }
        long tenths = whole * 10 + first + (second >= 5 ? 1 : 0);
        return tenths / 10 + "." + tenths % 10;
    }

    public static String duration(long seconds) {
        if (seconds < 0) {
            return "--:--";
        }
        if (seconds >= 3600) {
            return String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%02d:%02d", seconds / 60, seconds % 60);
    }

    /** Terminal columns {@code s} takes: wide (CJK) characters count two, combining marks none. */
    public static int columns(CharSequence s) {
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = Character.codePointAt(s, i);
            n += width(cp);
            i += Character.charCount(cp);
        }
        return n;
    }

    private static final char JOINER = '\u200d';

    private static String drawable(String line) {
        boolean plain = true;
        for (int i = 0; i < line.length() && plain; i++) {
            char c = line.charAt(i);
            plain = c != JOINER && c != '\ud83c'; // regional indicators are U+1F1E6..U+1F1FF: high surrogate D83C
        }
        if (plain) {
            return line;
        }
        StringBuilder b = new StringBuilder(line.length());
        for (int i = 0; i < line.length(); ) {
            int cp = line.codePointAt(i);
            i += Character.charCount(cp);
            if (regionalIndicator(cp)) {
                b.append((char) ('A' + (cp - 0x1f1e6)));
            } else if (cp != JOINER) {
                b.appendCodePoint(cp);
            }
        }
        return b.toString();
    }

    /**
     * One code point's columns as terminals draw it; a zero-width joiner none, and a regional
     * indicator (half a flag) one, as the letter {@link #fit} draws it as.
     */
    private static int width(int cp) {
        if (regionalIndicator(cp)) {
            return 1;
        }
        return cp == JOINER ? 0 : Math.max(0, WCWidth.wcwidth(cp));
    }

    /** Half a flag: U+1F1E6..U+1F1FF, the letters A to Z. */
    private static boolean regionalIndicator(int cp) {
        return cp >= 0x1f1e6 && cp <= 0x1f1ff;
    }

    /**
     * Cuts a line to {@code width} terminal columns, with an ellipsis; never splits a surrogate pair.
     * What terminals and JLine's Display disagree on the width of is drawn as something they agree
     * on, or the Display's cursor arithmetic scrambles the view: a joined emoji sequence (tmux draws a
     * family in one cell, wcwidth counts four emoji) loses its joiners, so each emoji is drawn as
     * itself; a flag (two regional indicators: one column each to wcwidth and tmux, two to JLine) is
     * drawn as its two letters, {@code JP}.
     */
    public static String fit(String line, int width) {
        line = drawable(line);
        if (width <= 0 || columns(line) <= width) {
            return line;
        }
        int used = 0;
        int end = 0;
        while (end < line.length()) {
            int cp = line.codePointAt(end);
            int w = width(cp);
            if (used + w > width - 1) {
                break;
            }
            used += w;
            end += Character.charCount(cp);
        }
        return line.substring(0, end) + "…";
    }

    /** {@code s} padded with spaces to {@code width} terminal columns (after {@link #fit}). */
    public static String pad(String s, int width) {
        String f = fit(s, width);
        return f + " ".repeat(Math.max(0, width - columns(f)));
    }

    /** {@code s} right-aligned in {@code width} terminal columns (after {@link #fit}), as numbers are. */
    public static String padLeft(String s, int width) {
        String f = fit(s, width);
        return " ".repeat(Math.max(0, width - columns(f))) + f;
    }
}

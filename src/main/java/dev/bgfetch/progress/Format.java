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
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
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
            n += Math.max(0, WCWidth.wcwidth(cp));
            i += Character.charCount(cp);
        }
        return n;
    }

    /** Cuts a line to {@code width} terminal columns, with an ellipsis; never splits a surrogate pair. */
    public static String fit(String line, int width) {
        if (width <= 0 || columns(line) <= width) {
            return line;
        }
        int used = 0;
        int end = 0;
        while (end < line.length()) {
            int cp = line.codePointAt(end);
            int w = Math.max(0, WCWidth.wcwidth(cp));
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

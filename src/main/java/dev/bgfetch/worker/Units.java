package dev.bgfetch.worker;

import java.time.Duration;
import java.util.Locale;

/** Sizes and durations as users write them on the command line and in config.properties. */
public final class Units {
    private Units() {
    }

    /**
     * A byte size: {@code 1500}, {@code 10K}, {@code 2M}, {@code 1G} (SI) or {@code Ki/Mi/Gi} (binary).
     * Throws IllegalArgumentException with a one-line message when it is not one.
     */
    public static long bytes(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty size");
        }
        String t = text.trim();
        String upper = t.toUpperCase(Locale.ROOT);
        long mult = 1;
        String[][] suffixes = {{"KIB", "1024"}, {"MIB", "1048576"}, {"GIB", "1073741824"}, {"TIB", "1099511627776"},
                {"KI", "1024"}, {"MI", "1048576"}, {"GI", "1073741824"}, {"TI", "1099511627776"},
                {"KB", "1000"}, {"MB", "1000000"}, {"GB", "1000000000"}, {"TB", "1000000000000"},
                {"K", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}, {"B", "1"}};
        for (String[] s : suffixes) {
            if (upper.endsWith(s[0])) {
                mult = Long.parseLong(s[1]);
                t = t.substring(0, t.length() - s[0].length()).trim();
                break;
            }
        }
        try {
            if (t.isEmpty() || t.startsWith("-") || t.startsWith("+")) {
                throw new NumberFormatException();
            }
            if (t.contains(".")) {
                double d = Double.parseDouble(t) * mult;
                if (d > Long.MAX_VALUE || Double.isNaN(d)) {
                    throw new NumberFormatException();
                }
                return (long) d;
            }
            return Math.multiplyExact(Long.parseLong(t), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("bad size '" + text + "' (bytes, or with K/M/G or Ki/Mi/Gi)");
        }
    }

    /** The longest duration: one whose nanoseconds still fit a long (deadlines are kept in nanoseconds). */
    private static final double MAX_MS = Long.MAX_VALUE / 1_000_000.0;

    /** A duration: {@code 500ms}, {@code 30s}, {@code 1.5s}, {@code 5m}, {@code 1h}; a bare number is seconds. */
    public static Duration duration(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        try {
            long unitMs = 1000;
            String num = t;
            if (t.endsWith("ms")) {
                unitMs = 1;
                num = t.substring(0, t.length() - 2);
            } else if (t.endsWith("s") || t.endsWith("m") || t.endsWith("h")) {
                unitMs = t.endsWith("h") ? 3_600_000 : t.endsWith("m") ? 60_000 : 1000;
                num = t.substring(0, t.length() - 1);
            }
            // Digits only: Double.parseDouble also takes "1e3", "NaN" and a trailing d or f ("9d" is 9 s)
            if (!num.matches("[0-9]+(\\.[0-9]*)?|\\.[0-9]+")) {
                throw new NumberFormatException();
            }
            double ms = Double.parseDouble(num) * unitMs;
            if (ms >= MAX_MS) {
                throw new IllegalArgumentException("duration '" + text + "' is too long (at most "
                        + (long) (MAX_MS / 3_600_000 / 24 / 365) + " years)");
            }
            return Duration.ofMillis(Math.round(ms));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad duration '" + text + "' (e.g. 500ms, 30s, 5m, 1h)");
        }
    }
}

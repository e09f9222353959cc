package dev.bgfetch.state;

import java.time.Instant;

/**
 * The store's timestamps, the text of {@link Instant#toString()} written without it: its first use
 * initialises java.time's formatters, 4-7 ms of every registration on JDK 17 (bench/RESULTS.md,
 * 2026-12-07, third session). Years outside 0000-9999, which a clock never gives, go to
 * {@code Instant.toString} itself.
 */
final class Timestamps {
    private static final long SECONDS_PER_DAY = 86_400;

    private Timestamps() {
    }

    static String now() {
        return of(Instant.now());
    }

    static String of(Instant t) {
        long secs = t.getEpochSecond();
        long days = Math.floorDiv(secs, SECONDS_PER_DAY);
        int secOfDay = (int) Math.floorMod(secs, SECONDS_PER_DAY);
        // Civil date from days since 1970-01-01 (proleptic Gregorian, H. Hinnant's days_from_civil inverse).
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int day = (int) (doy - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        if (year < 0 || year > 9999) {
            return t.toString();
        }
        StringBuilder b = new StringBuilder(30);
        pad(b, year, 4).append('-');
        pad(b, month, 2).append('-');
        pad(b, day, 2).append('T');
        pad(b, secOfDay / 3600, 2).append(':');
        pad(b, secOfDay / 60 % 60, 2).append(':');
        pad(b, secOfDay % 60, 2);
        int nano = t.getNano();
        if (nano != 0) { // as ISO_INSTANT: milli, micro or nano digits, whichever is exact
            b.append('.');
            if (nano % 1_000_000 == 0) {
                pad(b, nano / 1_000_000, 3);
            } else if (nano % 1000 == 0) {
                pad(b, nano / 1000, 6);
            } else {
                pad(b, nano, 9);
            }
        }
        return b.append('Z').toString();
    }

    private static StringBuilder pad(StringBuilder b, long v, int width) {
        String s = Long.toString(v);
        for (int i = s.length(); i < width; i++) {
            b.append('0');
        }
        return b.append(s);
    }
}

package dev.bgfetch.http;

import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * A token bucket shared by all connections of one fetch ({@code --limit-rate}): each chunk read
 * reserves its bytes on a common clock and the reading thread sleeps until they are due, with at
 * most 100 ms of burst, so the sum over every connection and segment stays at the rate.
 */
public final class RateLimit {
    private static final long BURST_NANOS = 100_000_000L;
    private static final long SLICE_MILLIS = 100;

    private final long bytesPerSecond;
    /** When the bytes reserved so far are due (nanoTime); guarded by this. */
    private long due = Long.MIN_VALUE;

    public RateLimit(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("rate must be positive");
        }
        this.bytesPerSecond = bytesPerSecond;
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** How much to read at once: about 1/20 s of the rate (smooth), between 4 KiB and {@code max}. */
    public int chunk(int max) {
        return (int) Math.max(4096, Math.min(max, bytesPerSecond / 20));
    }

    /**
     * Accounts {@code n} bytes just read and waits until they are due; returns early (false) when
     * {@code stop} turns true, checked every 100 ms so a pause or abort is not held up.
     */
    public boolean pace(long n, BooleanSupplier stop) {
        long wait;
        synchronized (this) {
            long now = System.nanoTime();
            if (due == Long.MIN_VALUE || due < now - BURST_NANOS) {
                due = now - BURST_NANOS; // an idle spell earns at most one burst, not unlimited credit
            }
            due += (long) (n * 1e9 / bytesPerSecond);
            wait = due - now;
        }
        while (wait > 0) {
            if (stop.getAsBoolean()) {
                return false;
            }
            long ms = Math.min(SLICE_MILLIS, Math.max(1, wait / 1_000_000));
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            wait -= ms * 1_000_000;
        }
        return true;
    }

    /**
     * A rate in curl's syntax: bytes per second, or with a suffix k, m, g (binary: 1024, as curl
     * counts; {@code Ki}/{@code Mi}/{@code Gi} mean the same); decimals allowed ({@code 1.5M}).
     */
    public static long parse(String text) {
        String t = text.strip();
        String lower = t.toLowerCase(Locale.ROOT);
        long mult = 1;
        String num = lower;
        if (lower.endsWith("i")) {
            num = lower.substring(0, lower.length() - 1);
        }
        if (!num.isEmpty()) {
            char last = num.charAt(num.length() - 1);
            int k = "kmg".indexOf(last);
            if (k >= 0) {
                mult = 1L << (10 * (k + 1));
                num = num.substring(0, num.length() - 1);
            } else if (lower.endsWith("i")) {
                num = "x"; // a lone "i" is not a unit
            }
        }
        if (!num.matches("[0-9]+(\\.[0-9]+)?")) {
            throw new IllegalArgumentException("bad rate '" + t + "': expected a number of bytes per second, e.g. 500K or 10M");
        }
        double v = Double.parseDouble(num) * mult;
        if (v < 1) {
            throw new IllegalArgumentException("bad rate '" + t + "': must be at least 1 byte per second");
        }
        if (v > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("bad rate '" + t + "': too large (leave --limit-rate out for no limit)");
        }
        return (long) v;
    }
}

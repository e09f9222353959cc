package dev.bgfetch.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The store's timestamps are the text Instant.toString would give, digit for digit. */
class TimestampsTest {
    private static void same(Instant t) {
        assertEquals(t.toString(), Timestamps.of(t), () -> "epoch second " + t.getEpochSecond() + ", nano " + t.getNano());
    }

    @Test
    void edgesOfDaysMonthsYearsAndFractions() {
        for (String s : new String[] {"1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "2000-02-29T12:00:00.5Z",
                "1900-02-28T23:59:59Z", "1900-03-01T00:00:00Z", "2100-03-01T00:00:00.000001Z", "2026-12-07T04:33:16.123Z",
                "0000-01-01T00:00:00Z", "0001-03-01T00:00:00.000000001Z", "9999-12-31T23:59:59.999999999Z",
                "2024-12-31T23:59:59Z", "1600-02-29T00:00:00.100Z", "2026-06-30T11:05:09.120300Z"}) {
            same(Instant.parse(s));
        }
    }

    @Test
    void outsideFourDigitYearsFallsBackToInstantsOwnText() {
        for (String s : new String[] {"+10000-01-01T00:00:00Z", "-0001-12-31T23:59:59Z", "-1000000000-01-01T00:00:00Z",
                "+1000000000-12-31T23:59:59.999999999Z"}) {
            same(Instant.parse(s));
        }
        same(Instant.MIN);
        same(Instant.MAX);
    }

    @Test
    void randomInstantsAcrossFourDigitYearsAndEveryPrecision() {
        SplittableRandom r = new SplittableRandom(7);
        long lo = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long hi = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            int nano;
            switch (i % 4) {
                case 0: nano = 0; break;
                case 1: nano = r.nextInt(1000) * 1_000_000; break;
                case 2: nano = r.nextInt(1_000_000) * 1000; break;
                default: nano = r.nextInt(1_000_000_000);
            }
            same(Instant.ofEpochSecond(r.nextLong(lo, hi + 1), nano));
        }
    }

    @Test
    void nowIsParseableAndCurrent() {
        long before = Instant.now().toEpochMilli();
        Instant t = Instant.parse(Timestamps.now());
        assertTrue(Math.abs(t.toEpochMilli() - before) < 60_000, t::toString);
    }
}

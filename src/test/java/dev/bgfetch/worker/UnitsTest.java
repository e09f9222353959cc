package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UnitsTest {
    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"0,0", "1500,1500", "10K,10000", "10k,10000", "2M,2000000", "1G,1000000000", "1Ki,1024",
            "3Mi,3145728", "1Gi,1073741824", "1GiB,1073741824", "1.5M,1500000", "7B,7", "2KB,2000"})
    void parsesSizes(String text, long bytes) {
        assertEquals(bytes, Units.bytes(text));
    }

    @ParameterizedTest
    @CsvSource({"abc", "-1", "1X", "99999999999999999999", "M", "1.5.5"})
    void refusesNonSizes(String text) {
        assertThrows(IllegalArgumentException.class, () -> Units.bytes(text));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"500ms,500", "2s,2000", "1.5s,1500", "3m,180000", "4,4000", "1h,3600000"})
    void parsesDurations(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), Units.duration(text));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"abc", "-1s", "9d", "2f", "1e3", "NaN", "Infinity", "+5s", "1..5s", "s", "x"})
    void refusesNonDurations(String text) {
        // "9d" and "1e3" were taken by Double.parseDouble (9 s, 1000 s)
        assertThrows(IllegalArgumentException.class, () -> Units.duration(text));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"999999999999h", "9223372036854775807ms", "9223372036854775808"})
    void refusesDurationsWhoseNanosecondsOverflow(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Units.duration(text));
        assertEquals(true, e.getMessage().contains("too long"), e.getMessage());
        // the longest accepted one still counts in nanoseconds
        assertEquals(true, Units.duration("2000000h").toNanos() > 0);
    }
}

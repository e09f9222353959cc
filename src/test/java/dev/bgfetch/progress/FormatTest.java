package dev.bgfetch.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FormatTest {
    @Test
    void humanBytes() {
        assertEquals("512 B", Format.bytes(512));
        assertEquals("1.0 KiB", Format.bytes(1024));
        assertEquals("1.5 MiB", Format.bytes(1536 * 1024));
        assertEquals("100 GiB", Format.bytes(100L * 1024 * 1024 * 1024));
    }

    @Test
    void groupLineShowsProgressFilesSpeedEtaAndState() {
        Snapshot s = new Snapshot("ep5", "Episode 5", 5 * 1024 * 1024, 10 * 1024 * 1024, 2, 1, 1024 * 1024,
                "downloading", "", "");
        String line = Format.groupLine(s, 120);
        assertTrue(line.startsWith("ep5 Episode 5 ["), line);
        assertTrue(line.contains(" 50%"), line);
        assertTrue(line.contains("5.0 MiB/10.0 MiB"), line);
        assertTrue(line.contains("1/2 files"), line);
        assertTrue(line.contains("1.0 MiB/s"), line);
        assertTrue(line.contains("ETA 00:05"), line);
        assertTrue(line.endsWith("downloading"), line);
    }

    @Test
    void settledLineShowsResultAndFitsTheWidth() {
        Snapshot s = new Snapshot("id", "", 10, -1, 3, 2, 0, "settled", "failure", "bad-status");
        String line = Format.groupLine(s, 200);
        assertTrue(line.endsWith("failure (bad-status)"), line);
        assertTrue(Format.groupLine(s, 12).codePointCount(0, Format.groupLine(s, 12).length()) <= 12);
    }
}

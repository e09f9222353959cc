package dev.bgfetch.progress;

import dev.bgfetch.state.FetchResult;
import dev.bgfetch.state.FailureReason;
import dev.bgfetch.state.FetchState;
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
        // Written by hand, as String.format writes them: half up on the shortest decimal digits.
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 200_000; i++) {
            long n = i < 100_000 ? r.nextInt(1 << 30) : Math.abs(r.nextLong()) >>> r.nextInt(63);
            double v = n;
            String[] units = {"KiB", "MiB", "GiB", "TiB"};
            int u = -1;
            while (v >= 1024 && u < 3) {
                v /= 1024;
                u++;
            }
            String expected = n < 1024 ? n + " B"
                    : String.format(java.util.Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
            assertEquals(expected, Format.bytes(n), "n=" + n);
        }
        for (double v : new double[] {0.05, 0.15, 1.05, 1.15, 2.25, 9.95, 99.95, 99.96, 100.5, 1023.95, 1e7, 12345678.9}) {
            assertEquals(String.format(java.util.Locale.ROOT, "%.1f", v), Format.rounded(v, 1), "v=" + v);
            assertEquals(String.format(java.util.Locale.ROOT, "%.0f", v), Format.rounded(v, 0), "v=" + v);
        }
    }

    @Test
    void groupLineShowsProgressFilesSpeedEtaAndState() {
        Snapshot s = new Snapshot("ep5", "Episode 5", 5 * 1024 * 1024, 10 * 1024 * 1024, 2, 1, 1024 * 1024,
                FetchState.DOWNLOADING, FetchResult.NONE, FailureReason.NONE);
        String line = View.groupLine(s, 120, true);
        assertTrue(line.startsWith("ep5  Episode 5  ["), line);
        assertTrue(line.contains(" 50%"), line);
        assertTrue(line.contains("5.0 MiB/10.0 MiB"), line);
        assertTrue(line.contains("1/2 files"), line);
        assertTrue(line.contains("1.0 MiB/s"), line);
        assertTrue(line.contains("ETA 00:05"), line);
        assertTrue(line.endsWith("ETA 00:05"), line);
    }

    @Test
    void settledLineShowsResultAndFitsTheWidth() {
        Snapshot s = new Snapshot("id", "", 10, -1, 3, 2, 0, FetchState.SETTLED, FetchResult.FAILURE, FailureReason.BAD_STATUS);
        String line = View.groupLine(s, 200, true);
        assertTrue(line.endsWith("failure (bad-status)"), line);
        assertTrue(Format.columns(View.groupLine(s, 12, true)) <= 12, View.groupLine(s, 12, true));
    }

    @Test
    void widthsAreTerminalColumns() {
        assertEquals(5, Format.columns("abcde"));
        assertEquals(6, Format.columns("日本語"), "CJK characters take two columns");
        assertEquals(1, Format.columns("e\u0301"), "a combining accent takes none");
        assertEquals(2, Format.columns("😀"));
    }

    @Test
    void flagsAndJoinedEmojiTakeTheColumnsTerminalsDrawThemIn() {
        // a hostile tester's find: JLine counted a flag as 4 columns where tmux and wcwidth draw 2, and
        // tmux drew a ZWJ family in one cell where 8 were counted: the view's lines were scrambled
        assertEquals(2, Format.columns("\ud83c\uddef\ud83c\uddf5"), "a flag: two regional indicators, one column each");
        String family = "\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67";
        String shown = Format.fit("fam " + family + " end", 100);
        assertEquals(-1, shown.indexOf('\u200d'), "joiners go: each emoji is drawn as itself");
        assertEquals(4 + 6 + 4, Format.columns(shown));
        String cut = Format.fit("fam " + family + family + " end", 9);
        assertEquals(-1, cut.indexOf('\u200d'), cut);
        assertTrue(Format.columns(cut) <= 9, cut);
        String flag = Format.pad("Trip \ud83c\uddef\ud83c\uddf5 photos", 20);
        assertEquals("Trip JP photos      ", flag, "a flag is drawn as its letters: JLine's Display counts it as 4");
        assertEquals(20, org.jline.utils.AttributedString.fromAnsi(flag).columnLength(), "the Display agrees");
        assertEquals(Format.columns(shown), org.jline.utils.AttributedString.fromAnsi(shown).columnLength());
    }

    @Test
    void fitAndPadCutByColumnsNotChars() {
        String cut = Format.fit("日本語のタイトル", 7);
        assertTrue(Format.columns(cut) <= 7, cut);
        assertEquals("日本語…", cut);
        assertEquals("😀😀…", Format.fit("😀😀😀😀", 5), "no surrogate pair is split");
        assertEquals(10, Format.columns(Format.pad("日本", 10)));
        assertEquals(10, Format.columns(Format.pad("日本語のタイトルです", 10)));
    }

    @Test
    void groupLineEscapesIdAndTitleAndFitsCjkTitles() {
        Snapshot evil = new Snapshot("id", "x\nstate: settled\u001b[2J", 1, 10, 1, 0, 0, FetchState.DOWNLOADING, FetchResult.NONE, FailureReason.NONE);
        String line = View.groupLine(evil, 200, true);
        assertTrue(line.startsWith("id  x\\nstate: settled\\x1b[2J"), line);
        assertTrue(line.chars().noneMatch(c -> c < 0x20), line);
        String title = "日本語のタイトル".repeat(2);
        Snapshot wide = new Snapshot("id", title, 1, 10, 1, 0, 0, FetchState.DOWNLOADING, FetchResult.NONE, FailureReason.NONE);
        assertTrue(Format.columns(View.groupLine(wide, 40, false)) <= 40, View.groupLine(wide, 40, false));
    }

    @Test
    void groupLineShowsWhyAndWhenTheNextAttemptIs() {
        Snapshot s = new Snapshot("net", "", 0, -1, 1, 0, 0, FetchState.WAITING_FOR_NETWORK, FetchResult.NONE, FailureReason.NONE,
                "connection refused\u001b[1m", 3);
        String line = View.groupLine(s, 200, true);
        assertTrue(line.endsWith("waiting-for-network: connection refused\\x1b[1m, retry in 3 s"), line);
    }

    @Test
    void snapshotTakesTheRetryReasonOfAnUnfinishedRecord() {
        dev.bgfetch.state.Fetch f = new dev.bgfetch.state.Fetch();
        f.id = "n";
        f.state = FetchState.WAITING_FOR_NETWORK;
        dev.bgfetch.state.Rec r = new dev.bgfetch.state.Rec();
        r.networkError = "connection refused";
        r.retryAt = java.time.Instant.now().plusSeconds(5).toString();
        f.records.add(r);
        Snapshot s = Snapshot.of(f);
        assertEquals("connection refused", s.retryReason);
        assertTrue(s.retryIn > 0 && s.retryIn <= 5, "seconds until the retry: " + s.retryIn);
    }
}

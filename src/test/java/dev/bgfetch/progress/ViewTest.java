package dev.bgfetch.progress;

import dev.bgfetch.state.FetchResult;
import dev.bgfetch.state.FailureReason;
import dev.bgfetch.state.FetchState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure live view: whatever the fetches and the terminal size, no line is wider than the terminal. */
class ViewTest {
    static final int[] WIDTHS = {20, 40, 80, 300};

    static Snapshot downloading(String id, String title, long total) {
        return new Snapshot(id, title, 40_000_000, total, 2, 1, 4_404_019, FetchState.DOWNLOADING, FetchResult.NONE, FailureReason.NONE)
                .withRunning(List.of(new FileProgress(0, "ep-5.mp3", 34_603_008, 62_914_560, 4_089_446)));
    }

    static void assertFits(List<String> lines, int width) {
        for (String l : lines) {
            assertTrue(Format.columns(l) <= width, "wider than " + width + ": " + l + " (" + Format.columns(l) + ")");
            assertFalse(l.contains("\n") || l.contains("\u001b"), l);
        }
    }

    @Test
    void groupAndFileLinesFitEveryWidthAndShowTheNumbersFirst() {
        for (int w : WIDTHS) {
            List<String> lines = View.render(List.of(downloading("ep5", "Episode 5: Interesting things", 63_963_136)),
                    w, 20, false);
            assertFits(lines, w);
            assertEquals(2, lines.size(), lines.toString());
            assertTrue(lines.get(0).startsWith("ep5"), lines.get(0));
            assertTrue(lines.get(1).startsWith("  ep-5"), lines.get(1));
            if (w >= 40) {
                assertTrue(lines.get(0).contains("62%"), lines.get(0));
                assertTrue(lines.get(0).contains("1/2"), lines.get(0));
                assertTrue(lines.get(0).contains("4.2M") || lines.get(0).contains("4.2 MiB/s"), lines.get(0));
                assertTrue(lines.get(0).contains("00:05"), lines.get(0));
                assertTrue(lines.get(1).contains("55%"), lines.get(1));
            }
            if (w >= 80) {
                assertTrue(lines.get(0).contains("38.1 MiB/61.0 MiB"), lines.get(0));
                assertTrue(lines.get(0).contains("1/2 files"), lines.get(0));
                assertTrue(lines.get(0).contains("ETA 00:05"), lines.get(0));
                String untitled = View.render(List.of(downloading("ep5", "", 63_963_136)), w, 20, false).get(0);
                assertTrue(untitled.contains("["), "a bar when the total is known: " + untitled);
            }
            if (w >= 300) {
                assertTrue(lines.get(0).contains("Episode 5: Interesting things"), lines.get(0));
                assertTrue(lines.get(0).contains("["), lines.get(0));
            }
        }
    }

    @Test
    void aTerminalOfAFewColumnsStillGetsLinesThatFit() {
        // at 5 columns "+3 more fetches" was drawn 10 wide and wrapped over two rows
        List<Snapshot> three = List.of(downloading("a", "", 100), downloading("b", "", 100), downloading("c", "", 100));
        for (int w = 1; w <= 12; w++) {
            for (int h = 1; h <= 4; h++) {
                assertFits(View.render(three, w, h, false), w);
                assertFits(View.render(three, w, h, true), w);
            }
        }
    }

    @Test
    void wideCharactersAndEmojiInTitlesAndNamesCountTwoColumns() {
        Snapshot s = new Snapshot("漢字", "タイトル 🎧 とても長い題名です、本当に長い", 1000, 5000, 3, 0, 100, FetchState.DOWNLOADING, FetchResult.NONE, FailureReason.NONE)
                .withRunning(List.of(new FileProgress(1, "ファイル名🎵がとても長い.mp3", 1000, 5000, 100)));
        for (int w : WIDTHS) {
            List<String> lines = View.render(List.of(s), w, 20, false);
            assertFits(lines, w);
            assertTrue(lines.get(0).startsWith("漢字"), lines.get(0));
        }
        String wide = View.render(List.of(s), 300, 20, false).get(0);
        assertTrue(wide.contains("タイトル 🎧"), wide);
        assertTrue(View.render(List.of(s), 300, 20, false).get(1).contains(".mp3"), "the extension stays");
    }

    @Test
    void unknownTotalHasNoBarAndNoEta() {
        Snapshot s = new Snapshot("raw", "", 3_000_000, -1, 1, 0, 1_000_000, FetchState.DOWNLOADING, FetchResult.NONE, FailureReason.NONE)
                .withRunning(List.of(new FileProgress(0, "stream", 3_000_000, -1, 1_000_000)));
        for (int w : WIDTHS) {
            List<String> lines = View.render(List.of(s), w, 20, true);
            assertFits(lines, w);
            assertFalse(lines.get(0).contains("[") || lines.get(0).contains("%"), lines.get(0));
            assertFalse(lines.get(0).contains("ETA"), lines.get(0));
        }
        assertTrue(View.render(List.of(s), 80, 20, true).get(0).contains("2.9 MiB"));
    }

    @Test
    void pausedAndWaitingForNetworkSayWhy() {
        Snapshot paused = new Snapshot("p", "Paused one", 10, 100, 1, 0, 0, FetchState.PAUSED, FetchResult.NONE, FailureReason.NONE);
        Snapshot waiting = new Snapshot("w", "", 10, 100, 1, 0, 0, FetchState.WAITING_FOR_NETWORK, FetchResult.NONE, FailureReason.NONE,
                "connection refused (127.0.0.1:8080)", 4);
        for (int w : WIDTHS) {
            List<String> lines = View.render(List.of(paused, waiting), w, 20, false);
            assertFits(lines, w);
            assertEquals(2, lines.size());
        }
        List<String> lines = View.render(List.of(paused, waiting), 120, 20, false);
        assertTrue(lines.get(0).contains("paused"), lines.get(0));
        assertTrue(lines.get(1).contains("waiting-for-network: connection refused (127.0.0.1:8080), retry in 4 s"),
                lines.get(1));
        assertTrue(View.render(List.of(waiting), 40, 20, false).get(0).contains("waiting"));
    }

    @Test
    void manyRunningFilesShowTheBusiestAndACount() {
        List<FileProgress> files = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            files.add(new FileProgress(i, "part-" + i + ".csv", i, 10_000, 10_000 - i));
        }
        Snapshot s = new Snapshot("data", "", 1, -1, 10_000, 0, 1, FetchState.DOWNLOADING, FetchResult.NONE, FailureReason.NONE).withRunning(files);
        for (int w : WIDTHS) {
            List<String> lines = View.render(List.of(s), w, 20, false);
            assertFits(lines, w);
            assertEquals(1 + View.MAX_FILES, lines.size(), lines.toString());
            assertTrue(lines.get(lines.size() - 1).contains("+" + (10_000 - View.MAX_FILES + 1)),
                    lines.get(lines.size() - 1));
        }
        List<String> small = View.render(List.of(s, s, s), 80, 4, false);
        assertTrue(small.size() <= 3, "a 4-row terminal keeps a row free: " + small);
    }

    @Test
    void settledFinalLineSaysResultReasonAndWhere() {
        Snapshot ok = new Snapshot("ep5", "Episode 5", 63_963_136, 63_963_136, 2, 2, 0, FetchState.SETTLED, FetchResult.SUCCESS, FailureReason.NONE);
        Snapshot bad = new Snapshot("big", "", 10, -1, 40, 39, 0, FetchState.SETTLED, FetchResult.FAILURE, FailureReason.BAD_STATUS);
        for (int w : WIDTHS) {
            assertTrue(Format.columns(View.finalLine(ok, "/home/u/Podcasts", w, false)) <= w);
            assertTrue(Format.columns(View.finalLine(bad, "/data", w, true)) <= w);
        }
        assertEquals("✔ ep5  Episode 5  success  61.0 MiB  → /home/u/Podcasts",
                View.finalLine(ok, "/home/u/Podcasts", 300, false));
        assertEquals("FAIL big  failure (bad-status): 39 of 40 files  10 B  -> /data",
                View.finalLine(bad, "/data", 300, true));
    }

    @Test
    void serverTextIsEscaped() {
        Snapshot evil = new Snapshot("id", "x\u001b[2J", 1, 10, 1, 0, 0, FetchState.DOWNLOADING, FetchResult.NONE, FailureReason.NONE)
                .withRunning(List.of(new FileProgress(0, "a\nb\u001b]0;t\u0007", 1, 10, 1)));
        List<String> lines = View.render(List.of(evil), 300, 20, false);
        assertFits(lines, 300);
        assertTrue(lines.get(0).contains("x\\x1b[2J"), lines.get(0));
    }
}

package dev.bgfetch.progress;

import dev.bgfetch.state.FetchResult;
import dev.bgfetch.state.FailureReason;
import dev.bgfetch.state.FetchState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;
import org.junit.jupiter.api.Test;

/** Colour is added after the layout: the text, and so every width, stays that of the plain line. */
class ColorsTest {
    private static int fg(AttributedString s, int index) {
        AttributedStyle st = s.styleAt(index);
        return (st.getStyle() & 0x100) != 0 ? (int) ((st.getStyle() >>> 15) & 0xff) : -1;
    }

    @Test
    void theTextIsUnchangedForEveryLineOfTheView() {
        Snapshot s = new Snapshot("ep5", "failure party 日本", 5, 10, 2, 1, 1, FetchState.PAUSED, FetchResult.NONE, FailureReason.NONE)
                .withRunning(List.of(new FileProgress(0, "a.bin", 3, 10, 1)));
        for (String line : View.render(List.of(s), 100, 10, false)) {
            assertEquals(line, Colors.style(line).toString());
        }
    }

    @Test
    void theBarTheStateAndTheMarkAreColouredButNotTheTitle() {
        String line = View.groupLine(new Snapshot("ep5", "failure party", 5, 10, 2, 1, 1, FetchState.PAUSED, FetchResult.NONE, FailureReason.NONE), 100, false);
        AttributedString a = Colors.style(line);
        assertEquals(AttributedStyle.GREEN, fg(a, line.indexOf('█')), line);
        assertEquals(AttributedStyle.YELLOW, fg(a, line.lastIndexOf("paused")), line);
        assertEquals(-1, fg(a, line.indexOf("failure")), "a state word in the title stays plain: " + line);
        assertEquals(-1, fg(a, 0), "the id is plain");
        String ok = View.finalLine(new Snapshot("a", "", 1, 1, 1, 1, 0, FetchState.SETTLED, FetchResult.SUCCESS, FailureReason.NONE), "/d", 80, false);
        assertEquals(AttributedStyle.GREEN, fg(Colors.style(ok), 0), ok);
        assertEquals(AttributedStyle.GREEN, fg(Colors.style(ok), ok.indexOf("success")), ok);
        String bad = View.finalLine(new Snapshot("a", "", 1, 1, 1, 0, 0, FetchState.SETTLED, FetchResult.FAILURE, FailureReason.BAD_STATUS), "/d", 80, false);
        assertEquals(AttributedStyle.RED, fg(Colors.style(bad), 0), bad);
        assertEquals(AttributedStyle.RED, fg(Colors.style(bad), bad.lastIndexOf("bad-status")), bad);
    }

    @Test
    void ansiTextCarriesSgrCodesOnlyAroundTheColouredParts() {
        String ansi = Colors.ansi("done1  1000 B / 1000 B  1/1  success");
        assertTrue(ansi.contains("\u001b[32msuccess"), ansi);
        assertTrue(ansi.startsWith("done1"), ansi);
        assertFalse(Colors.ansi("plain text").contains("\u001b"));
    }
}

package dev.bgfetch.progress;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

/**
 * Colour for the lines {@link View} and the list table make, added after the layout so widths and
 * cuts stay those of the plain text: the bar's done part, states that wait (yellow), failures (red)
 * and success (green). Only the last state word of a line is coloured, because the state is at the
 * end and a title may contain the same word.
 */
public final class Colors {
    private static final Pattern BAR = Pattern.compile("\\[([█#]*)([░-]*)]");
    private static final Pattern STATE = Pattern.compile(
            "(?<![\\w-])(success|failure|aborted|bad-status|fetch-error|quota-exceeded|download-total-exceeded"
                    + "|paused|waiting-for-network|pending)(?![\\w-])");
    private static final AttributedStyle GREEN = AttributedStyle.DEFAULT.foreground(AttributedStyle.GREEN);
    private static final AttributedStyle RED = AttributedStyle.BOLD.foreground(AttributedStyle.RED);
    private static final AttributedStyle YELLOW = AttributedStyle.DEFAULT.foreground(AttributedStyle.YELLOW);
    private static final AttributedStyle DIM = AttributedStyle.DEFAULT.faint();

    private Colors() {
    }

    /** The line with its colours; its text is unchanged. */
    public static AttributedString style(String line) {
        AttributedStyle[] at = new AttributedStyle[line.length()];
        Matcher bar = BAR.matcher(line);
        int barEnd = 0;
        int from1 = -1;
        int to1 = -1;
        int to2 = -1;
        while (bar.find()) {
            if (bar.end() - bar.start() > 2) {
                from1 = bar.start(1);
                to1 = bar.end(1);
                to2 = bar.end(2);
                barEnd = bar.end();
            }
        }
        if (from1 >= 0) {
            colour(at, from1, to1, GREEN);
            colour(at, to1, to2, DIM);
        }
        if (line.startsWith("✔") || line.startsWith("ok ")) {
            colour(at, 0, line.startsWith("ok ") ? 2 : 1, GREEN);
        } else if (line.startsWith("✘") || line.startsWith("FAIL")) {
            colour(at, 0, line.startsWith("FAIL") ? 4 : 1, RED);
        }
        Matcher state = STATE.matcher(line);
        int from = -1;
        int to = -1;
        String word = null;
        int searchFrom = barEnd;
        while (searchFrom <= line.length() && state.find(searchFrom)) {
            from = state.start();
            to = state.end();
            word = state.group(1);
            searchFrom = to;
        }
        if (word != null) {
            colour(at, from, to, styleOf(word));
        }
        AttributedStringBuilder b = new AttributedStringBuilder(line.length() + 16);
        int i = 0;
        while (i < line.length()) {
            int j = i + 1;
            while (j < line.length() && at[j] == at[i]) {
                j++;
            }
            b.append(line.substring(i, j), at[i] == null ? AttributedStyle.DEFAULT : at[i]);
            i = j;
        }
        return b.toAttributedString();
    }

    /** The line as ANSI text, for stdout (the list table), where no JLine terminal is built. */
    public static String ansi(String line) {
        return style(line).toAnsi();
    }

    private static AttributedStyle styleOf(String word) {
        switch (word) {
            case "success":
                return GREEN;
            case "paused":
            case "waiting-for-network":
            case "pending":
                return YELLOW;
            default:
                return RED;
        }
    }

    private static void colour(AttributedStyle[] at, int from, int to, AttributedStyle style) {
        for (int i = Math.max(0, from); i < Math.min(at.length, to); i++) {
            at[i] = style;
        }
    }
}

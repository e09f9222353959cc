package dev.bgfetch.progress;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.Display;
import org.jline.utils.InfoCmp.Capability;

/**
 * The live view at the bottom of a terminal on stderr: a JLine {@link Display}, used by the one thread
 * that created it (Display is not thread-safe). The size is read once and again only after SIGWINCH,
 * because reading it forks {@code stty}. Ctrl-C only raises a flag the painting thread reads, so no
 * I/O is ever interrupted and the fetch goes on.
 */
public final class TerminalView implements AutoCloseable {
    private final Terminal terminal;
    private Display display;
    private volatile boolean resized = true;
    private volatile boolean interrupted;
    private int width = 80;
    private int height = 24;
    private boolean closed;
    /** The lines on the screen now. */
    private List<AttributedString> drawn = List.of();
    private final Thread restore;

    private final boolean color;

    private TerminalView(Terminal terminal, boolean color) {
        this.terminal = terminal;
        this.color = color;
        this.display = new Display(terminal, false);
        terminal.handle(Terminal.Signal.WINCH, s -> resized = true);
        terminal.handle(Terminal.Signal.INT, s -> interrupted = true);
        terminal.puts(Capability.cursor_invisible);
        terminal.flush();
        // A kill other than Ctrl-C still gets its cursor back.
        restore = new Thread(() -> {
            terminal.puts(Capability.cursor_normal);
            terminal.flush();
        });
        Runtime.getRuntime().addShutdownHook(restore);
    }

    /**
     * A view on the terminal stderr is attached to, in colour if asked (and the terminal has colours),
     * or null when there is none JLine can drive.
     */
    public static TerminalView open(boolean color) {
        try {
            Terminal t = TerminalBuilder.builder().system(true).systemOutput(TerminalBuilder.SystemOutput.SysErr)
                    .nativeSignals(true).dumb(false).build();
            if (Terminal.TYPE_DUMB.equals(t.getType()) || Terminal.TYPE_DUMB_COLOR.equals(t.getType())) {
                t.close();
                return null;
            }
            Integer colors = t.getNumericCapability(Capability.max_colors);
            return new TerminalView(t, color && colors != null && colors >= 8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** True once Ctrl-C was pressed. */
    public boolean interrupted() {
        return interrupted;
    }

    /** Columns lines may take: one less than the terminal, so the last column never makes it wrap. */
    public int width() {
        refreshSize();
        return Math.max(1, width - 1); // a floor of 10 made every line of a narrower terminal wrap
    }

    public int height() {
        refreshSize();
        return Math.max(2, height);
    }

    private void refreshSize() {
        if (resized) {
            resized = false;
            Size s = terminal.getSize();
            int columns = s.getColumns() > 0 ? s.getColumns() : width;
            height = s.getRows() > 0 ? s.getRows() : height;
            if (columns != width && !drawn.isEmpty()) {
                eraseDrawn(columns);
            }
            width = columns;
            display.resize(height, width);
        }
    }

    /**
     * Erases the view after a change of width and starts a new display: JLine's display keeps its
     * cursor position in the old geometry, and the terminal has rewrapped what we drew (a shorter
     * terminal reflows each line over several rows), so only we know where the view now starts.
     * The cursor is at the start of the last line drawn (see {@link #show}).
     */
    private void eraseDrawn(int columns) {
        int up = 0;
        for (int i = 0; i < drawn.size() - 1; i++) {
            up += Math.max(1, (drawn.get(i).columnLength() + columns - 1) / columns);
        }
        terminal.writer().print('\r');
        for (int i = 0; i < up; i++) {
            terminal.puts(Capability.cursor_up);
        }
        terminal.puts(Capability.clr_eos);
        terminal.flush();
        drawn = List.of();
        display = new Display(terminal, false);
    }

    /** Redraws the view as these lines (already cut to {@link #width()}). */
    public void show(List<String> lines) {
        refreshSize();
        List<AttributedString> a = new ArrayList<>(lines.size());
        List<AttributedString> rows = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            AttributedString l = color ? Colors.style(lines.get(i)) : new AttributedString(lines.get(i));
            a.add(l);
            // A line without its newline is, to JLine's Display, one the terminal wraps into the next:
            // it went down by writing into the right margin, and a terminal that reflows on widening
            // (tmux) joined the view's lines into one and drew the next frame over the command line.
            rows.add(i < lines.size() - 1 ? new AttributedStringBuilder().append(l).append('\n').toAttributedString() : l);
        }
        // The cursor rests at the start of the last line, where a resize can find the view again.
        display.update(rows, rows.isEmpty() ? 0 : (rows.size() - 1) * (width + 1));
        drawn = a;
        terminal.flush();
    }

    /** Prints a line above the view, where it stays in the scrollback. */
    public void printAbove(String line) {
        display.update(List.of(), 0);
        drawn = List.of();
        terminal.writer().print(color ? Colors.style(line).toAnsi(terminal) : line);
        terminal.writer().print("\r\n");
        terminal.flush();
    }

    /** Clears the view and gives the cursor back. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        display.update(List.of(), 0);
        terminal.puts(Capability.cursor_normal);
        terminal.flush();
        try {
            Runtime.getRuntime().removeShutdownHook(restore);
        } catch (IllegalStateException e) {
            // shutting down: the hook restores the cursor
        }
        try {
            terminal.close();
        } catch (IOException e) {
            // nothing left to restore
        }
    }
}

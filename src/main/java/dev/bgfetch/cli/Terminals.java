package dev.bgfetch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a standard stream is a terminal, without building a JLine terminal (which forks stty):
 * on Linux the link of {@code /proc/self/fd/N} names the device. JDK 17's {@code System.console()}
 * answers for stdin and stdout together, not for the stream a command draws on.
 */
final class Terminals {
    private Terminals() {
    }

    static boolean isTerminal(int fd) {
        Path link = Path.of("/proc/self/fd/" + fd);
        try {
            String target = Files.readSymbolicLink(link).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (UnsupportedOperationException | IOException | SecurityException e) {
            // No /proc (macOS, BSD): the console is the best guess the JDK offers.
            return System.console() != null;
        }
    }

    /**
     * The columns of the terminal on this stream, as JLine reads them (a fork of stty: about 100 ms,
     * so only a command that prints a table at a terminal asks); else {@code $COLUMNS}, else 80.
     */
    static int width(int fd) {
        try (org.jline.terminal.Terminal t = org.jline.terminal.TerminalBuilder.builder().system(true)
                .systemOutput(fd == 2 ? org.jline.terminal.TerminalBuilder.SystemOutput.SysErr
                        : org.jline.terminal.TerminalBuilder.SystemOutput.SysOut)
                .nativeSignals(false).signalHandler(org.jline.terminal.Terminal.SignalHandler.SIG_DFL)
                .dumb(true).build()) {
            int w = t.getWidth();
            if (w > 0) {
                return w;
            }
        } catch (IOException | RuntimeException e) {
            // no size to read: the shell's idea, if it exported one
        }
        String env = System.getenv("COLUMNS");
        return env != null && env.matches("[1-9][0-9]{0,4}") ? Integer.parseInt(env) : 80;
    }

    /**
     * True when the locale's charset is UTF-8, so the view may draw █, ✔ and →; under {@code LANG=C}
     * the JVM would print them as {@code ?}, and the view draws {@code #}, {@code ok} and {@code ->}.
     */
    static boolean unicode() {
        String cs = System.getProperty("native.encoding", System.getProperty("file.encoding", "UTF-8"));
        return cs.equalsIgnoreCase("UTF-8") || cs.equalsIgnoreCase("UTF8");
    }
}

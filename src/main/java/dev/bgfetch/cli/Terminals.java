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
     * The columns of the terminal on this stream: {@code $COLUMNS} when the shell exports it, else
     * what JLine reads from the terminal (a fork of stty, 100-200 ms, so only commands that print a
     * table at a terminal ask); 80 when neither knows.
     */
    static int width(int fd) {
        String env = System.getenv("COLUMNS");
        if (env != null && env.matches("[1-9][0-9]{0,4}")) {
            return Integer.parseInt(env);
        }
        try (org.jline.terminal.Terminal t = org.jline.terminal.TerminalBuilder.builder().system(true)
                .systemOutput(fd == 2 ? org.jline.terminal.TerminalBuilder.SystemOutput.SysErr
                        : org.jline.terminal.TerminalBuilder.SystemOutput.SysOut)
                .nativeSignals(false).signalHandler(org.jline.terminal.Terminal.SignalHandler.SIG_DFL)
                .dumb(true).build()) {
            int w = t.getWidth();
            return w > 0 ? w : 80;
        } catch (IOException | RuntimeException e) {
            return 80;
        }
    }
}

package dev.bgfetch;

import dev.bgfetch.cli.BgfetchCommand;
import dev.bgfetch.cli.ErrorHandler;
import dev.bgfetch.cli.Stdout;
import dev.bgfetch.cli.VersionProvider;
import dev.bgfetch.cli.WorkerCommand;
import java.util.Optional;
import picocli.CommandLine;

/** Entry point. Builds the command line (tests use the same factories); the only System.exit. */
public final class Main {
    private Main() {
    }

    /** The whole command tree (tests, completions). */
    public static CommandLine createCommandLine() {
        return configure(BgfetchCommand.all());
    }

    /** The command line {@code args} need: the named subcommand's model only, as {@link #main} runs. */
    public static CommandLine createCommandLine(String... args) {
        return configure(BgfetchCommand.commandLine(args));
    }

    private static CommandLine configure(CommandLine cl) {
        ErrorHandler handler = new ErrorHandler();
        cl.setExecutionExceptionHandler(handler);
        cl.setExitCodeExceptionMapper(handler);
        cl.setParameterExceptionHandler(handler);
        cl.setExecutionStrategy(VersionProvider.jsonAware(cl.getExecutionStrategy()));
        Stdout.check(cl);
        return cl;
    }

    public static void main(String[] args) {
        Optional<Integer> worker = WorkerCommand.runAsSpawned(args);
        if (worker.isPresent()) {
            System.exit(worker.get());
        }
        CommandLine cl = createCommandLine(args);
        Stdout.install(cl);
        int code = cl.execute(args);
        if (code != 0 || othersAlive()) {
            System.exit(code);
        }
        // Exit 0 by returning: the JVM ends as main returns and runs the same shutdown hooks. From Java 21
        // on, System.exit first looks up a System.Logger to log the exit, and initialising the JDK's
        // loggers was ~12 ms of every command on JDK 25 (bench/RESULTS.md, 2026-12-07, third session).
    }

    /** Whether a thread of ours that would keep the JVM up after main is still alive. */
    private static boolean othersAlive() {
        Thread[] threads = new Thread[Thread.activeCount() + 8];
        int n = Thread.currentThread().getThreadGroup().enumerate(threads);
        for (int i = 0; i < n; i++) {
            if (threads[i] != Thread.currentThread() && !threads[i].isDaemon() && threads[i].isAlive()) {
                return true;
            }
        }
        return n == threads.length; // more than we could see: play safe
    }
}

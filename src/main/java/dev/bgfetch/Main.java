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
        System.exit(cl.execute(args));
    }
}

package dev.bgfetch;

import dev.bgfetch.cli.BgfetchCommand;
import dev.bgfetch.cli.ErrorHandler;
import dev.bgfetch.cli.Stdout;
import dev.bgfetch.cli.VersionProvider;
import picocli.CommandLine;

/** Entry point. Builds the command line once (tests use the same factory); the only System.exit. */
public final class Main {
    private Main() {
    }

    public static CommandLine createCommandLine() {
        CommandLine cl = new CommandLine(new BgfetchCommand());
        ErrorHandler handler = new ErrorHandler();
        cl.setExecutionExceptionHandler(handler);
        cl.setExitCodeExceptionMapper(handler);
        cl.setParameterExceptionHandler(handler);
        cl.setExecutionStrategy(VersionProvider.jsonAware(cl.getExecutionStrategy()));
        Stdout.check(cl);
        return cl;
    }

    public static void main(String[] args) {
        CommandLine cl = createCommandLine();
        Stdout.install(cl);
        System.exit(cl.execute(args));
    }
}

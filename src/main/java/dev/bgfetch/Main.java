package dev.bgfetch;

import dev.bgfetch.cli.BgfetchCommand;
import dev.bgfetch.cli.ErrorHandler;
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
        return cl;
    }

    public static void main(String[] args) {
        System.exit(createCommandLine().execute(args));
    }
}

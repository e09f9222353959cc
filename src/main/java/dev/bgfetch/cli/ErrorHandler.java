package dev.bgfetch.cli;

import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.StateException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IExitCodeExceptionMapper;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/** Turns every failure into one line on stderr and its SPEC §3 exit code; stack traces only with -v. */
public final class ErrorHandler implements IExecutionExceptionHandler, IExitCodeExceptionMapper,
        IParameterExceptionHandler {

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        // One line, as every other error: picocli's "Possible solutions" and "Try ... --help" were two more.
        // Its messages quote the user's arguments, which may hold any character.
        String message = ex.getMessage();
        String help = "see '" + cl.getCommandSpec().qualifiedName() + " --help'";
        if (ex instanceof UnmatchedArgumentException) {
            UnmatchedArgumentException u = (UnmatchedArgumentException) ex;
            java.util.List<String> unmatched = u.getUnmatched();
            int dashes = java.util.Arrays.asList(args).indexOf("--");
            if (dashes >= 0 && !unmatched.isEmpty()
                    && java.util.Arrays.asList(args).subList(dashes + 1, args.length).contains(unmatched.get(0))) {
                // after "--" it is no option: "Unknown option: '--all'; possible solutions: --all" made no sense
                message = "unexpected argument" + (unmatched.size() > 1 ? "s" : "") + " after '--': '"
                        + String.join("', '", unmatched) + "'";
            } else {
                if (cl.getParent() == null && !unmatched.isEmpty() && !unmatched.get(0).startsWith("-")) {
                    message = "unknown command '" + unmatched.get(0) + "'"; // not "Unmatched arguments from index 0"
                }
                if (!u.getSuggestions().isEmpty()) {
                    message += "; did you mean " + String.join(" or ", u.getSuggestions().subList(0,
                            Math.min(3, u.getSuggestions().size()))) + "?";
                }
            }
        }
        err.println("bgfetch: " + Escapes.terminal(message) + (message.contains("--help") ? "" : " (" + help + ")"));
        err.flush();
        return ExitCodes.USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
        return report(ex, cl.getErr(), verbose(parsed));
    }

    /** Says on {@code err} what went wrong, one line (a stack trace only when {@code verbose}); returns the exit code. */
    static int report(Exception ex, PrintWriter err, boolean verbose) {
        String msg = ex.getMessage();
        if (ex instanceof StateException) {
            // One line by design, and it may quote an id the user typed (a newline, an escape) as is.
            err.println("bgfetch: " + Escapes.terminal(String.valueOf(msg)));
        } else if (ex instanceof CliException) {
            err.println("bgfetch: " + lines(msg));
        } else {
            err.println("bgfetch: internal error: " + lines(ex.toString())
                    + (verbose ? "" : " (run with -v for details)"));
        }
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return exitCode(ex);
    }

    @Override
    public int getExitCode(Throwable ex) {
        return exitCode(ex);
    }

    private static int exitCode(Throwable ex) {
        if (ex instanceof CliException) {
            return ((CliException) ex).exitCode();
        }
        if (ex instanceof StateException) {
            switch (((StateException) ex).kind()) {
                case NOT_FOUND: return ExitCodes.NOT_FOUND;
                case ID_TAKEN: return ExitCodes.ID_TAKEN;
                case INVALID_STATE: return ExitCodes.INVALID_STATE;
                default: return ExitCodes.FAILURE;
            }
        }
        if (ex instanceof ParameterException) {
            return ExitCodes.USAGE;
        }
        return ExitCodes.FAILURE;
    }

    /**
     * Messages quote ids, URLs, paths and server text: every control character is escaped, except the
     * line breaks some messages have on purpose (a worker.log tail). Where user text goes into a message,
     * the message escapes it itself, so a newline in it cannot forge a line here.
     */
    private static String lines(String msg) {
        String[] lines = String.valueOf(msg).split("\n", -1);
        for (int i = 0; i < lines.length; i++) { // a loop, not a stream: errors are a common exit (get of no such id)
            lines[i] = Escapes.terminal(lines[i]);
        }
        return String.join("\n", lines);
    }

    private static boolean verbose(ParseResult parsed) {
        ParseResult top = parsed;
        if (top == null) {
            return false;
        }
        if (top.hasMatchedOption("--verbose")) {
            return true;
        }
        for (ParseResult s : top.subcommands()) {
            if (s.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}

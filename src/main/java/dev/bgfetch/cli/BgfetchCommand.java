package dev.bgfetch.cli;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The top command: global options, the exit-code list shown in --help and man, and which
 * subcommands a command line is built with (see {@link #commandLine}).
 */
public final class BgfetchCommand implements Runnable {
    /**
     * The subcommands in the order --help lists them. A command line is built with only the
     * subcommand it names: each model is work on a cold JVM (loading and running its model code).
     */
    static final List<String> SUBCOMMANDS = List.of("fetch", "list", "get", "abort", "wait", "watch", "match",
            "pause", "resume", "forget", "clean", "worker", "help");

    /**
     * A new subcommand's model (picocli reads the help command's from its annotations). A switch, not
     * a map of constructor references: thirteen method references in a static initialiser link
     * thirteen call sites at every start (~10 ms of every command on a cold JVM, async-profiler),
     * --version included.
     */
    static Object subcommand(String name) {
        switch (name) {
            case "fetch": return new FetchCommand().model();
            case "list": return new ListCommand().model();
            case "get": return new GetCommand().model();
            case "abort": return new AbortCommand().model();
            case "wait": return new WaitCommand().model();
            case "watch": return new WatchCommand().model();
            case "match": return new MatchCommand().model();
            case "pause": return new PauseCommand().model();
            case "resume": return new ResumeCommand().model();
            case "forget": return new ForgetCommand().model();
            case "clean": return new CleanCommand().model();
            case "worker": return new WorkerCommand().model();
            case "help": return new CommandLine.HelpCommand();
            default: throw new IllegalArgumentException("no subcommand " + name);
        }
    }

    /** The README's table in short (GeneratedFilesTest keeps man in step; the README says the same list is here). */
    private static final String[] EXIT_CODES = {
            "0:success (registered; found; aborted; wait: result success)",
            "1:unexpected failure (I/O error on the store, a failed write to stdout, internal error, a worker that could not start)",
            "2:invalid input (unknown option, empty id, no URLs, bad URL, scheme, credentials in URL, blocked port, bad header,"
                    + " bad size or duration, empty path, bad input file)",
            "3:no fetch with that id; for match, no record matching the URL",
            "4:an active fetch already has that id",
            "5:quota exceeded at registration (--download-total larger than the free space)",
            "6:invalid state (abort, pause or resume of a settled fetch; match --body of a record with no file)",
            "20:wait, fetch --wait, watch ID: the fetch failed, aborted",
            "21:wait, fetch --wait, watch ID: the fetch failed, bad-status",
            "22:wait, fetch --wait, watch ID: the fetch failed, fetch-error",
            "23:wait, fetch --wait, watch ID: the fetch failed, quota-exceeded",
            "24:wait, fetch --wait, watch ID: the fetch failed, download-total-exceeded",
            "124:wait --timeout ran out (the fetch goes on)",
            "130:interrupted by Ctrl-C while waiting or watching (the fetch goes on)"};

    final GlobalOptions globals = new GlobalOptions();
    private CommandSpec spec;

    /** The top command's picocli model (see {@link CommandModel}), without subcommands. */
    CommandSpec model() {
        CommandModel m = CommandModel.top(this, "bgfetch");
        globals.declare(m);
        spec = m.build();
        spec.versionProvider(new VersionProvider());
        Map<String, String> exitCodes = new LinkedHashMap<>();
        for (String line : EXIT_CODES) {
            int colon = line.indexOf(':');
            exitCodes.put(line.substring(0, colon), line.substring(colon + 1));
        }
        spec.usageMessage()
                .header("Background Fetch for the terminal: named groups of downloads run by a detached worker.")
                .description("A background fetch is a named group of downloads with a title and an optional expected "
                        + "total. `bgfetch fetch` registers one and returns at once; a detached worker downloads it, "
                        + "survives the terminal closing, and settles the group with one result: success or failure "
                        + "(aborted, bad-status, fetch-error, quota-exceeded, download-total-exceeded).")
                .synopsisSubcommandLabel("COMMAND")
                .exitCodeListHeading("%nExit Codes:%n")
                .exitCodeList(exitCodes)
                .footerHeading("%nEnvironment:%n")
                .footer("BGFETCH_HOME      the store (default $${XDG_STATE_HOME:-~/.local/state}/bgfetch)",
                        "NO_COLOR          no colour in output",
                        "BGFETCH_JAVA_OPTS extra JVM options for the launcher");
        return spec;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command (see 'bgfetch --help')");
    }

    /** The whole command tree: for --help, the help command, completions and anything unrecognised. */
    public static CommandLine all() {
        skipPicocliDetours();
        return with(new CommandLine(new BgfetchCommand().model()), SUBCOMMANDS);
    }

    /**
     * The command tree {@code args} need: only the subcommand they name; none for a bare
     * {@code --version}; all of them for --help, `help`, an unknown name or option, an @file, or
     * anything else this scan does not follow, so picocli's own errors and suggestions stay as they are.
     */
    public static CommandLine commandLine(String[] args) {
        skipPicocliDetours();
        CommandLine root = new CommandLine(new BgfetchCommand().model());
        String name = named(root.getCommandSpec(), args);
        return with(root, name == null ? SUBCOMMANDS : name.isEmpty() ? List.of() : List.of(name));
    }

    /**
     * Switches off picocli's look for Groovy closures (a Class.forName that fails, ~15 ms of every
     * command on a cold JVM: async-profiler, 10 runs of --version), unless the user set it; it is
     * picocli's documented system property. (Its reflective java.sql and java.time converters are
     * skipped by a one-line change of its source: see pom.xml.)
     */
    private static void skipPicocliDetours() {
        if (System.getProperty("picocli.disable.closures") == null) {
            System.setProperty("picocli.disable.closures", "true");
        }
    }

    /** The subcommand {@code args} name, "" for none, null when the whole tree is needed. */
    static String named(CommandSpec top, String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("@") || a.equals("--")) {
                return null;
            }
            if (a.startsWith("-") && a.length() > 1) {
                int eq = a.indexOf('=');
                OptionSpec o = top.findOption(eq < 0 ? a : a.substring(0, eq));
                if (o == null || o.usageHelp()) {
                    return null;
                }
                if (eq < 0 && o.arity().max() > 0) {
                    i++;
                }
                continue;
            }
            return SUBCOMMANDS.contains(a) && !a.equals("help") ? a : null;
        }
        return "";
    }

    private static CommandLine with(CommandLine root, Collection<String> names) {
        for (String n : names) {
            root.addSubcommand(n, subcommand(n));
        }
        return root;
    }
}

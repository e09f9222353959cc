package dev.bgfetch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top command: global options, the exit-code list shown in --help and man, and the subcommands. */
@Command(name = "bgfetch",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        header = "Background Fetch for the terminal: named groups of downloads run by a detached worker.",
        description = "A background fetch is a named group of downloads with a title and an optional expected "
                + "total. `bgfetch fetch` registers one and returns at once; a detached worker downloads it, "
                + "survives the terminal closing, and settles the group with one result: success or failure "
                + "(aborted, bad-status, fetch-error, quota-exceeded, download-total-exceeded).",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {
                FetchCommand.class, ListCommand.class, GetCommand.class, AbortCommand.class,
                WaitCommand.class, WatchCommand.class, MatchCommand.class, PauseCommand.class, ResumeCommand.class, ForgetCommand.class, CleanCommand.class,
                WorkerCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit Codes:%n",
        exitCodeList = {
                "0:success (registered; found; aborted; wait: result success)",
                "1:unexpected failure (I/O error on the store, a failed write to stdout, internal error)",
                "2:invalid input (unknown option, empty id, no URLs, bad URL, scheme, credentials in URL, blocked port, bad header, bad size)",
                "3:no fetch with that id",
                "4:an active fetch already has that id",
                "5:quota exceeded at registration (--download-total larger than the free space)",
                "6:invalid state (e.g. abort of a fetch that is already settled)",
                "20:wait: the fetch failed, aborted",
                "21:wait: the fetch failed, bad-status",
                "22:wait: the fetch failed, fetch-error",
                "23:wait: the fetch failed, quota-exceeded",
                "24:wait: the fetch failed, download-total-exceeded",
                "124:wait --timeout ran out (the fetch goes on)",
                "130:interrupted by Ctrl-C while waiting (the fetch goes on)"},
        footerHeading = "%nEnvironment:%n",
        footer = {
                "BGFETCH_HOME      the store (default $${XDG_STATE_HOME:-~/.local/state}/bgfetch)",
                "NO_COLOR          no colour in output",
                "BGFETCH_JAVA_OPTS extra JVM options for the launcher"})
public final class BgfetchCommand implements Runnable {
    @Mixin
    GlobalOptions globals;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command; see 'bgfetch --help'");
    }
}

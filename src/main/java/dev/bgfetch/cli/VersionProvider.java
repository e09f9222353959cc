package dev.bgfetch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgfetch.state.Store;
import dev.bgfetch.state.Views;
import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParseResult;

/** The version comes from the jar manifest, so it is written once, in pom.xml. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"bgfetch " + version()};
    }

    static String version() {
        String v = BgfetchCommand.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * picocli prints {@code --version} itself, before any command runs; with {@code --json} this
     * prints {@code {"schema": 1, "version": "..."}} instead, so every --json output is JSON (SPEC §2).
     */
    public static CommandLine.IExecutionStrategy jsonAware(CommandLine.IExecutionStrategy inner) {
        return new JsonAware(inner);
    }

    /** A class, not a lambda: every command runs through it, and a lambda's call site is linked at each start (~5 ms). */
    private static final class JsonAware implements CommandLine.IExecutionStrategy {
        private final CommandLine.IExecutionStrategy inner;

        JsonAware(CommandLine.IExecutionStrategy inner) {
            this.inner = inner;
        }

        @Override
        public int execute(ParseResult parsed) {
            boolean version = false;
            boolean usage = false;
            for (ParseResult p = parsed; p != null; p = p.subcommand()) {
                version |= p.isVersionHelpRequested();
                usage |= p.isUsageHelpRequested();
            }
            Object top = parsed.commandSpec().userObject();
            if (!version || usage || !(top instanceof BgfetchCommand) || !((BgfetchCommand) top).globals.json()) {
                return inner.execute(parsed);
            }
            ObjectNode n = Views.object();
            n.put("schema", Store.SCHEMA);
            n.put("version", version());
            parsed.commandSpec().commandLine().getOut().println(Views.pretty(n));
            parsed.commandSpec().commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }
}

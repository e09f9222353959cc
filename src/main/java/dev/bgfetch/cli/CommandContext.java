package dev.bgfetch.cli;

import dev.bgfetch.state.Views;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Store;
import dev.bgfetch.worker.WorkerLauncher;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;

/** What every command needs (writers, global options, the store, the worker), as a mixin rather than a base class. */
public final class CommandContext {
    CommandSpec spec; // the command's, set by CommandModel

    private Store store;

    public PrintWriter out() {
        return spec.commandLine().getOut();
    }

    public PrintWriter err() {
        return spec.commandLine().getErr();
    }

    public GlobalOptions globals() {
        CommandSpec s = spec;
        while (s.parent() != null) {
            s = s.parent();
        }
        return ((BgfetchCommand) s.userObject()).globals;
    }

    /** The store, opened once per command; problems found while reading it are reported on stderr. */
    public Store store() {
        if (store == null) {
            store = Store.open(globals().home());
        }
        return store;
    }

    /** Reports corrupt state files met so far, one line each, on stderr. */
    public void reportWarnings() {
        if (store != null) {
            for (String w : store.warnings()) {
                err().println("bgfetch: warning: " + Escapes.terminal(w));
            }
            store.warnings().clear();
            err().flush();
        }
    }

    /**
     * Makes sure a worker runs if the store has work for one (§4.4), without waiting for its JVM. A
     * worker an earlier command started that died at start is reported here, once, and started again.
     * Returns true when such a failed start was reported.
     */
    public boolean ensureWorker() {
        return ensureWorker(false);
    }

    /**
     * As {@link #ensureWorker()}; {@code knownNeeded} when the caller has just made work (a
     * registration), so the store need not be read to find some. A running worker is asked first:
     * it is one lock probe, where finding whether there is work reads summaries.
     */
    public boolean ensureWorker(boolean knownNeeded) {
        if (WorkerLauncher.isRunning(store()) || !knownNeeded && !store().needsWorker()) {
            return false;
        }
        Optional<String> failed = WorkerLauncher.failedStart(store(), true);
        failed.ifPresent(why -> {
            err().println("bgfetch: warning: " + why + "\n(nothing is lost: starting it again)");
            err().flush();
        });
        try {
            WorkerLauncher.request(store());
        } catch (WorkerLauncher.StartException e) {
            throw new CliException(ExitCodes.FAILURE, e.getMessage() + "\n(nothing is lost: the next bgfetch command starts the worker again)");
        }
        return failed.isPresent();
    }

    public void info(String message) {
        if (!globals().quiet()) {
            err().println(message);
            err().flush();
        }
    }

    public void printJson(JsonNode node) {
        out().println(Views.pretty(node));
        out().flush();
    }

    public Fetch find(String id) {
        return store().find(id).orElseThrow(() -> new CliException(ExitCodes.NOT_FOUND,
                "no fetch with the id '" + Escapes.terminal(id) + "'"));
    }

    /**
     * True when stderr is a terminal we may draw progress on: not with -q, in CI logs or on a dumb
     * terminal. Asked of stderr itself, since the view is drawn there: {@code wait 2>log} must
     * write plain lines to the log even when stdout is a terminal, and {@code watch | less} must draw.
     */
    public boolean interactive() {
        if (globals().quiet() || System.getenv("CI") != null || "dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        return Terminals.isTerminal(2);
    }
}

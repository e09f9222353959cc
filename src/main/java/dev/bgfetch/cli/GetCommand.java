package dev.bgfetch.cli;

import dev.bgfetch.state.FetchResult;
import dev.bgfetch.state.FetchState;
import dev.bgfetch.state.RecordResult;
import dev.bgfetch.state.FailureReason;
import static dev.bgfetch.progress.Escapes.terminal;

import dev.bgfetch.progress.Format;
import dev.bgfetch.progress.Snapshot;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.Views;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

public final class GetCommand implements Callable<Integer> {
    final CommandContext ctx = new CommandContext();
    final IdArguments args = new IdArguments();

    /** This command's picocli model (see {@link CommandModel}). */
    CommandSpec model() {
        CommandModel m = CommandModel.of(this, ctx, "get",
                "Show one fetch: its fields, progress and records. "
                + "The active fetch with that id, else the most recently settled one still retained.");
        m.bindTo(args).parameter("id", "ID");
        return m.build();
    }

    @Override
    public Integer call() {
        Fetch f = ctx.find(args.id());
        ctx.reportWarnings();
        ctx.ensureWorker();
        if (ctx.globals().json()) {
            ctx.printJson(Views.fetch(f, true));
            return ExitCodes.OK;
        }
        // Every string below may come from a user or a server: shown escaped (SPEC §2).
        PrintWriter out = ctx.out();
        Snapshot s = Snapshot.of(f);
        out.println("id:             " + terminal(f.id));
        out.println("title:          " + terminal(f.title));
        out.println("state:          " + f.state.wire());
        out.println("result:         " + (f.result == FetchResult.NONE ? "-" : f.result.wire())
                + (f.failureReason == FailureReason.NONE ? "" : " (" + f.failureReason.wire() + ")"));
        out.println("downloaded:     " + f.downloaded + (f.downloadTotal > 0 ? " of " + f.downloadTotal : "") + " bytes ("
                + Format.bytes(f.downloaded) + ")");
        out.println("files:          " + s.filesDone + "/" + s.files);
        out.println("dir:            " + terminal(f.dir));
        out.println("created:        " + terminal(f.created));
        if (f.settled != null) {
            out.println("settled:        " + terminal(f.settled));
        }
        out.println("records:");
        for (Rec r : f.records) {
            // an unfinished record of a paused fetch said "running" under "state: paused"
            String result = r.result != RecordResult.NONE ? r.result.wire()
                    : f.state == FetchState.PAUSED ? "paused" : "running";
            out.println("  #" + r.index + " " + result + " ".repeat(Math.max(0, 8 - result.length())) + " " + status(r)
                    + " " + terminal(r.request.url));
            out.println("      " + (r.path != null ? terminal(r.path) : "(not delivered)")
                    + "  " + r.downloaded + (r.total != null ? "/" + r.total : "") + " bytes"
                    + (r.error == null ? "" : "  " + terminal(r.error)));
            if (r.networkError != null && !r.isDone() && !f.hasSettled()) {
                long in = Snapshot.secondsUntil(r.retryAt);
                out.println("      retrying: " + terminal(r.networkError) + (in < 0 ? ""
                        : "; next attempt at " + terminal(r.retryAt) + (in > 0 ? " (in " + in + " s)" : " (due now)")));
            }
        }
        return ExitCodes.OK;
    }

    private static String status(Rec r) {
        if (r.response == null) {
            return "---";
        }
        return r.response.status + (r.response.statusText.isEmpty() ? "" : " " + terminal(r.response.statusText));
    }
}

package dev.bgfetch.cli;

import dev.bgfetch.state.FetchResult;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "get", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Show one fetch: its fields, progress and records. "
                + "The active fetch with that id, else the most recently settled one still retained.")
public final class GetCommand implements Callable<Integer> {
    @Mixin
    CommandContext ctx;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
        Fetch f = ctx.find(id);
        ctx.reportWarnings();
        ctx.ensureWorker();
        if (ctx.globals().json()) {
            ctx.printJson(Views.fetch(Views.mapper(), f, true));
            return ExitCodes.OK;
        }
        // Every string below may come from a user or a server: shown escaped (SPEC §2).
        PrintWriter out = ctx.out();
        Snapshot s = Snapshot.of(f);
        out.printf("id:             %s%n", terminal(f.id));
        out.printf("title:          %s%n", terminal(f.title));
        out.printf("state:          %s%n", f.state.wire());
        out.printf("result:         %s%s%n", f.result == FetchResult.NONE ? "-" : f.result.wire(),
                f.failureReason == FailureReason.NONE ? "" : " (" + f.failureReason.wire() + ")");
        out.printf("downloaded:     %d%s bytes (%s)%n", f.downloaded,
                f.downloadTotal > 0 ? " of " + f.downloadTotal : "", Format.bytes(f.downloaded));
        out.printf("files:          %d/%d%n", s.filesDone, s.files);
        out.printf("dir:            %s%n", terminal(f.dir));
        out.printf("created:        %s%n", terminal(f.created));
        if (f.settled != null) {
            out.printf("settled:        %s%n", terminal(f.settled));
        }
        out.println("records:");
        for (Rec r : f.records) {
            out.printf("  #%d %-8s %s %s%n", r.index, r.result == RecordResult.NONE ? "running" : r.result.wire(),
                    status(r), terminal(r.request.url));
            out.printf("      %s%s%s%n", r.path != null ? terminal(r.path) : "(not delivered)",
                    "  " + r.downloaded + (r.total != null ? "/" + r.total : "") + " bytes",
                    r.error == null ? "" : "  " + terminal(r.error));
            if (r.networkError != null && !r.isDone() && !f.hasSettled()) {
                long in = Snapshot.secondsUntil(r.retryAt);
                out.printf("      retrying: %s%s%n", terminal(r.networkError), in < 0 ? ""
                        : "; next attempt at " + terminal(r.retryAt) + (in > 0 ? " (in " + in + " s)" : " (due now)"));
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

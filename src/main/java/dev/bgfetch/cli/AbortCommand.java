package dev.bgfetch.cli;

import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Views;
import dev.bgfetch.worker.Parts;
import dev.bgfetch.worker.WorkerLauncher;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "abort", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Abort an active fetch: transfers stop, unfinished records become aborted, "
                + "finished files stay, the abort hook runs. The id is free for a new fetch at once.")
public final class AbortCommand implements Callable<Integer> {
    @Mixin
    CommandContext ctx;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
        Fetch f = ctx.store().abort(id);
        if (!WorkerLauncher.isRunning(ctx.store())) {
            // No worker means no transfer can be writing: the partial files can go now.
            Parts.deleteUnfinished(f);
        }
        ctx.ensureWorker();
        if (ctx.globals().json()) {
            ctx.printJson(Views.fetch(Views.mapper(), f, true));
        } else {
            ctx.info("aborted '" + Escapes.terminal(id) + "'");
        }
        return ExitCodes.OK;
    }
}

package dev.bgfetch.cli;

import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.SegmentMap;
import dev.bgfetch.state.Views;
import dev.bgfetch.worker.Parts;
import dev.bgfetch.worker.WorkerLauncher;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

public final class AbortCommand implements Callable<Integer> {
    final CommandContext ctx = new CommandContext();
    final IdArguments args = new IdArguments();

    /** This command's picocli model (see {@link CommandModel}). */
    CommandSpec model() {
        CommandModel m = CommandModel.of(this, ctx, "abort",
                "Abort an active fetch: transfers stop, unfinished records become aborted, "
                + "finished files stay, the abort hook runs. The id is free for a new fetch at once.");
        m.bindTo(args).parameter("id", "ID");
        return m.build();
    }

    @Override
    public Integer call() {
        Fetch f = ctx.store().abort(args.id());
        if (!WorkerLauncher.isRunning(ctx.store())) {
            // No worker means no transfer can be writing: the partial files can go now, and the
            // segment maps with them (no worker would ever settle this fetch and remove them).
            Parts.deleteUnfinished(f);
            SegmentMap.deleteAll(ctx.store(), f.key);
        }
        ctx.ensureWorker();
        if (ctx.globals().json()) {
            ctx.printJson(Views.fetch(f, true));
        } else {
            ctx.info("aborted '" + Escapes.terminal(args.id()) + "'");
        }
        return ExitCodes.OK;
    }
}

package dev.bgfetch.cli;

import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Views;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

public final class ResumeCommand implements Callable<Integer> {
    final CommandContext ctx = new CommandContext();
    final IdArguments args = new IdArguments();

    /** This command's picocli model (see {@link CommandModel}). */
    CommandSpec model() {
        CommandModel m = CommandModel.of(this, ctx, "resume",
                "Continue a paused fetch where it stopped (with Range).");
        m.bindTo(args).parameter("id", "ID");
        return m.build();
    }

    @Override
    public Integer call() {
        Fetch f = ctx.store().resume(args.id());
        ctx.ensureWorker();
        if (ctx.globals().json()) {
            ctx.printJson(Views.fetch(f, true));
        } else {
            ctx.info("resumed '" + Escapes.terminal(args.id()) + "'");
        }
        return ExitCodes.OK;
    }
}

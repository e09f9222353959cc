package dev.bgfetch.cli;

import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Views;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

public final class PauseCommand implements Callable<Integer> {
    final CommandContext ctx = new CommandContext();
    final IdArguments args = new IdArguments();

    /** This command's picocli model (see {@link CommandModel}). */
    CommandSpec model() {
        CommandModel m = CommandModel.of(this, ctx, "pause",
                "Hold an active fetch: transfers close, partial data stays; 'resume' continues it.");
        m.bindTo(args).parameter("id", "ID");
        return m.build();
    }

    @Override
    public Integer call() {
        Fetch f = ctx.store().pause(args.id());
        if (ctx.globals().json()) {
            ctx.printJson(Views.fetch(f, true));
        } else {
            ctx.info("paused '" + Escapes.terminal(args.id()) + "'");
        }
        return ExitCodes.OK;
    }
}

package dev.bgfetch.cli;

import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Views;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

public final class ForgetCommand implements Callable<Integer> {
    final CommandContext ctx = new CommandContext();
    final IdArguments args = new IdArguments();

    /** This command's picocli model (see {@link CommandModel}). */
    CommandSpec model() {
        CommandModel m = CommandModel.of(this, ctx, "forget",
                "Drop a settled fetch from the store (its files stay on disk).");
        m.bindTo(args).parameter("id", "ID");
        return m.build();
    }

    @Override
    public Integer call() {
        List<Fetch> gone = ctx.store().forget(args.id());
        if (ctx.globals().json()) {
            ctx.printJson(Views.forgotten(gone));
        } else {
            int n = gone.size();
            ctx.info("forgot " + n + " settled fetch" + (n == 1 ? "" : "es") + " with the id '" + Escapes.terminal(args.id()) + "'"
                    + (ctx.store().findSummary(args.id()).isPresent() ? "; the active one stays" : ""));
        }
        return ExitCodes.OK;
    }
}

package dev.bgfetch.cli;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Views;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

public final class CleanCommand implements Callable<Integer> {
    final CommandContext ctx = new CommandContext();

    /** This command's picocli model (see {@link CommandModel}). */
    CommandSpec model() {
        CommandModel m = CommandModel.of(this, ctx, "clean",
                "Drop every settled fetch whose hook has run from the store (files stay on disk).");
        return m.build();
    }

    @Override
    public Integer call() {
        List<Fetch> gone = ctx.store().clean();
        if (ctx.globals().json()) {
            ctx.printJson(Views.forgotten(gone));
        } else {
            int n = gone.size();
            ctx.info("forgot " + n + " settled fetch" + (n == 1 ? "" : "es"));
        }
        return ExitCodes.OK;
    }
}

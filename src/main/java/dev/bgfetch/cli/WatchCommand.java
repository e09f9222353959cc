package dev.bgfetch.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

public final class WatchCommand implements Callable<Integer> {
    final CommandContext ctx = new CommandContext();
    final IdArguments args = new IdArguments();

    /** This command's picocli model (see {@link CommandModel}). */
    CommandSpec model() {
        CommandModel m = CommandModel.of(this, ctx, "watch",
                "Live view of active fetches (all of them, and new ones as they come, when no ID is "
                + "given) on stderr: a group line per fetch and a line per running file. Ends when the "
                + "fetches settle, with the exit code of wait; without IDs when nothing is active. "
                + "Ctrl-C detaches (exit 130) and leaves the fetches running. With --json: one compact "
                + "JSON object per line on stdout per change (at most 4 a second per fetch), the last "
                + "line of each fetch being its final state.");
        m.bindTo(args).parameter("ids", "ID").arity("0..*").description("Fetches to watch (default: every active one).");
        return m.build();
    }

    @Override
    public Integer call() {
        List<String> keys = null;
        if (args.ids() != null && !args.ids().isEmpty()) {
            keys = new ArrayList<>();
            for (String id : args.ids()) {
                keys.add(ctx.find(id).key);
            }
        } else if (ctx.store().active().isEmpty()) {
            ctx.info("bgfetch: nothing to watch: no active fetch");
            return ExitCodes.OK;
        }
        ctx.ensureWorker();
        return new LiveView(ctx, LiveView.Mode.WATCH).follow(keys);
    }
}

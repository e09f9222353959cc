package dev.bgfetch.cli;

import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Views;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "forget", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Drop a settled fetch from the store (its files stay on disk).")
public final class ForgetCommand implements Callable<Integer> {
    @Mixin
    CommandContext ctx;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
        List<Fetch> gone = ctx.store().forget(id);
        if (ctx.globals().json()) {
            ctx.printJson(Views.forgotten(Views.mapper(), gone));
        } else {
            int n = gone.size();
            ctx.info("forgot " + n + " settled fetch" + (n == 1 ? "" : "es") + " with the id '" + Escapes.terminal(id) + "'");
        }
        return ExitCodes.OK;
    }
}

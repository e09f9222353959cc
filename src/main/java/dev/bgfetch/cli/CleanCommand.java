package dev.bgfetch.cli;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Views;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "clean", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Drop every settled fetch from the store (files stay on disk).")
public final class CleanCommand implements Callable<Integer> {
    @Mixin
    CommandContext ctx;

    @Override
    public Integer call() {
        List<Fetch> gone = ctx.store().clean();
        if (ctx.globals().json()) {
            ctx.printJson(Views.forgotten(Views.mapper(), gone));
        } else {
            int n = gone.size();
            ctx.info("forgot " + n + " settled fetch" + (n == 1 ? "" : "es"));
        }
        return ExitCodes.OK;
    }
}

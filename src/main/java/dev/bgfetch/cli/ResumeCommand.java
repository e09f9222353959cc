package dev.bgfetch.cli;

import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Views;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "resume", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Continue a paused fetch where it stopped (with Range).")
public final class ResumeCommand implements Callable<Integer> {
    @Mixin
    CommandContext ctx;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
        Fetch f = ctx.store().resume(id);
        ctx.ensureWorker();
        if (ctx.globals().json()) {
            ctx.printJson(Views.fetch(Views.mapper(), f, true));
        } else {
            ctx.info("resumed '" + Escapes.terminal(id) + "'");
        }
        return ExitCodes.OK;
    }
}

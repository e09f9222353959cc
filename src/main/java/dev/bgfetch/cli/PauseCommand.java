package dev.bgfetch.cli;

import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Views;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "pause", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Hold an active fetch: transfers close, partial data stays; 'resume' continues it.")
public final class PauseCommand implements Callable<Integer> {
    @Mixin
    CommandContext ctx;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
        Fetch f = ctx.store().pause(id);
        if (ctx.globals().json()) {
            ctx.printJson(Views.fetch(Views.mapper(), f, true));
        } else {
            ctx.info("paused '" + Escapes.terminal(id) + "'");
        }
        return ExitCodes.OK;
    }
}

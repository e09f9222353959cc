package dev.bgfetch.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "pause", description = "Hold an active fetch: transfers close, partial data stays; 'resume' continues it.")
public final class PauseCommand implements Callable<Integer> {
    @Mixin
    CommandContext ctx;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
        ctx.store().pause(id);
        ctx.info("paused '" + id + "'");
        return ExitCodes.OK;
    }
}

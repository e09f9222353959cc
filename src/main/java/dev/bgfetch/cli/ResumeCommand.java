package dev.bgfetch.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "resume", description = "Continue a paused fetch where it stopped (with Range).")
public final class ResumeCommand implements Callable<Integer> {
    @Mixin
    CommandContext ctx;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
        ctx.store().resume(id);
        ctx.ensureWorker();
        ctx.info("resumed '" + id + "'");
        return ExitCodes.OK;
    }
}

package dev.bgfetch.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "forget", description = "Drop a settled fetch from the store (its files stay on disk).")
public final class ForgetCommand implements Callable<Integer> {
    @Mixin
    CommandContext ctx;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
        int n = ctx.store().forget(id).size();
        ctx.info("forgot " + n + " settled fetch" + (n == 1 ? "" : "es") + " with the id '" + id + "'");
        return ExitCodes.OK;
    }
}

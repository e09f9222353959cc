package dev.bgfetch.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "clean", description = "Drop every settled fetch from the store (files stay on disk).")
public final class CleanCommand implements Callable<Integer> {
    @Mixin
    CommandContext ctx;

    @Override
    public Integer call() {
        int n = ctx.store().clean().size();
        ctx.info("forgot " + n + " settled fetch" + (n == 1 ? "" : "es"));
        return ExitCodes.OK;
    }
}

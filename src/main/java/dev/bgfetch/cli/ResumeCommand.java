package dev.bgfetch.cli;

import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Views;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

public final class ResumeCommand implements Callable<Integer>, Fields {
    final CommandContext ctx = new CommandContext();
    String id;

    /** This command's picocli model (see {@link CommandModel}). */
    CommandSpec model() {
        CommandModel m = CommandModel.of(this, ctx, "resume",
                "Continue a paused fetch where it stopped (with Range).");
        m.parameter("id", "ID");
        return m.build();
    }

    @Override
    public Integer call() {
        Fetch f = ctx.store().resume(id);
        ctx.ensureWorker();
        if (ctx.globals().json()) {
            ctx.printJson(Views.fetch(f, true));
        } else {
            ctx.info("resumed '" + Escapes.terminal(id) + "'");
        }
        return ExitCodes.OK;
    }

    @Override
    public Object get(String field) {
        return switch (field) {
            case "id" -> id;
            default -> throw Fields.unknown(this, field);
        };
    }

    @Override
    public void set(String field, Object value) {
        switch (field) {
            case "id" -> id = (String) value;
            default -> throw Fields.unknown(this, field);
        }
    }
}

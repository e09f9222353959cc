package dev.bgfetch.cli;

import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.worker.Units;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

public final class WaitCommand implements Callable<Integer>, Fields {
    final CommandContext ctx = new CommandContext();
    final IdArguments args = new IdArguments();
    String timeout;

    /** This command's picocli model (see {@link CommandModel}). */
    CommandSpec model() {
        CommandModel m = CommandModel.of(this, ctx, "wait",
                "Block until the fetches settle; the live view of watch on a terminal. "
                + "On any other stderr: a line every 5 s and one per settled fetch (nothing with -q). "
                + "Exit code from the result: 0 success, 20-24 by failure reason, 124 on --timeout. "
                + "With --json: one fetch prints one object, several print an array in argument order.");
        m.bindTo(args).parameter("ids", "ID").arity("1..*");
        m.bindTo(this).option("timeout", "--timeout").paramLabel("DURATION")
                .description("Give up after this long (e.g. 30s, 5m, 500ms); exit 124.");
        return m.build();
    }

    @Override
    public Integer call() {
        Duration limit = timeout == null ? null : parseDuration(timeout);
        List<String> keys = new ArrayList<>();
        for (String id : args.ids()) {
            Fetch f = ctx.find(id);
            keys.add(f.key);
        }
        ctx.ensureWorker();
        return new LiveView(ctx, LiveView.Mode.WAIT).timeout(limit).follow(keys);
    }

    static Duration parseDuration(String text) {
        try {
            return Units.duration(text);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "--timeout: " + Escapes.terminal(e.getMessage()));
        }
    }

    @Override
    public Object get(String field) {
        return switch (field) {
            case "timeout" -> timeout;
            default -> throw Fields.unknown(this, field);
        };
    }

    @Override
    public void set(String field, Object value) {
        switch (field) {
            case "timeout" -> timeout = (String) value;
            default -> throw Fields.unknown(this, field);
        }
    }
}

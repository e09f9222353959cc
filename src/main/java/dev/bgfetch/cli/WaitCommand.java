package dev.bgfetch.cli;

import dev.bgfetch.state.Fetch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "wait", description = {"Block until the fetches settle; progress on a terminal.",
        "Exit code from the result: 0 success, 20-24 by failure reason, 124 on --timeout."})
public final class WaitCommand implements Callable<Integer> {
    @Mixin
    CommandContext ctx;

    @Parameters(paramLabel = "ID", arity = "1..*")
    List<String> ids;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Give up after this long (e.g. 30s, 5m, 500ms); exit 124.")
    String timeout;

    @Override
    public Integer call() {
        Duration limit = timeout == null ? null : parseDuration(timeout);
        List<String> keys = new ArrayList<>();
        for (String id : ids) {
            Fetch f = ctx.find(id);
            keys.add(f.key);
        }
        ctx.ensureWorker();
        return new Waiter(ctx).await(keys, limit);
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long mult = t.endsWith("h") ? 3_600_000 : t.endsWith("m") ? 60_000 : 1000;
            String num = Character.isLetter(t.charAt(t.length() - 1)) ? t.substring(0, t.length() - 1) : t;
            double v = Double.parseDouble(num);
            if (v < 0 || Double.isNaN(v) || Double.isInfinite(v)) {
                throw new NumberFormatException();
            }
            return Duration.ofMillis(Math.round(v * mult));
        } catch (RuntimeException e) {
            throw new CliException(ExitCodes.USAGE, "bad duration '" + text + "' (e.g. 30s, 5m, 1h, 500ms)");
        }
    }
}

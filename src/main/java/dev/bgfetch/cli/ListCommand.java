package dev.bgfetch.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgfetch.progress.Format;
import dev.bgfetch.progress.Snapshot;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Store;
import dev.bgfetch.state.Views;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "list", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Ids of active fetches, one a line, in registration order (getIds). "
                + "On a terminal: a table with title, progress, speed and state.")
public final class ListCommand implements Callable<Integer> {
    @Mixin
    CommandContext ctx;

    @Option(names = {"-a", "--all"}, description = "Also the settled fetches still retained.")
    boolean all;

    @Override
    public Integer call() {
        Store store = ctx.store();
        List<Fetch> fetches = all ? store.all() : store.active();
        ctx.reportWarnings();
        ctx.ensureWorker();
        if (ctx.globals().json()) {
            ObjectNode root = store.mapper().createObjectNode();
            root.put("schema", Store.SCHEMA);
            ArrayNode arr = root.putArray("fetches");
            for (Fetch f : fetches) {
                arr.add(Views.fetch(store.mapper(), f, false));
            }
            ctx.printJson(root);
        } else if (ctx.interactive()) {
            table(fetches);
        } else {
            fetches.forEach(f -> ctx.out().println(f.id));
        }
        return ExitCodes.OK;
    }

    private void table(List<Fetch> fetches) {
        String fmt = "%-16s %-24s %22s %12s %10s  %s%n";
        ctx.out().printf(Locale.ROOT, fmt, "ID", "TITLE", "PROGRESS", "FILES", "SPEED", "STATE");
        for (Fetch f : fetches) {
            Snapshot s = Snapshot.of(f);
            String progress = Format.bytes(s.downloaded) + (s.total > 0 ? " / " + Format.bytes(s.total) : "");
            String state = f.hasSettled() ? f.result + (f.failureReason.isEmpty() ? "" : " (" + f.failureReason + ")") : f.state;
            ctx.out().printf(Locale.ROOT, fmt, Format.fit(f.id, 16), Format.fit(f.title, 24), progress,
                    s.filesDone + "/" + s.files, f.hasSettled() ? "" : Format.bytes(s.speed) + "/s", state);
        }
    }
}

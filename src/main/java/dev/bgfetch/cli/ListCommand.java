package dev.bgfetch.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgfetch.progress.Escapes;
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
            table(fetches).forEach(ctx.out()::println);
        } else {
            fetches.forEach(f -> ctx.out().println(Escapes.terminal(f.id)));
        }
        return ExitCodes.OK;
    }

    /** The table's lines, header first; a pure function of the fetches so tests need no terminal. */
    static List<String> table(List<Fetch> fetches) {
        // Ids and titles are padded by terminal columns, not chars: a CJK title is twice as wide.
        String fmt = "%s %s %22s %12s %10s  %s";
        List<String> lines = new java.util.ArrayList<>();
        lines.add(String.format(Locale.ROOT, fmt, Format.pad("ID", 16), Format.pad("TITLE", 24), "PROGRESS",
                "FILES", "SPEED", "STATE"));
        for (Fetch f : fetches) {
            Snapshot s = Snapshot.of(f);
            String progress = Format.bytes(s.downloaded) + (s.total > 0 ? " / " + Format.bytes(s.total) : "");
            String state = f.hasSettled() ? f.result + (f.failureReason.isEmpty() ? "" : " (" + f.failureReason + ")") : f.state;
            lines.add(String.format(Locale.ROOT, fmt, Format.pad(Escapes.terminal(f.id), 16),
                    Format.pad(Escapes.terminal(f.title), 24), progress, s.filesDone + "/" + s.files,
                    f.hasSettled() ? "" : Format.bytes(s.speed) + "/s", Escapes.terminal(state)));
        }
        return lines;
    }
}

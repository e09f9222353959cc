package dev.bgfetch.cli;

import dev.bgfetch.state.FailureReason;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgfetch.progress.Colors;
import dev.bgfetch.progress.Escapes;
import dev.bgfetch.progress.Format;
import dev.bgfetch.progress.Snapshot;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Store;
import dev.bgfetch.state.Views;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

public final class ListCommand implements Callable<Integer>, Fields {
    final CommandContext ctx = new CommandContext();
    boolean all;

    /** This command's picocli model (see {@link CommandModel}). */
    CommandSpec model() {
        CommandModel m = CommandModel.of(this, ctx, "list",
                "Ids of active fetches, one a line, in registration order (getIds). "
                + "On a terminal: a table with title, progress, speed and state, as wide as the terminal, "
                + "states in colour (not with --no-color or NO_COLOR).");
        m.option("all", "-a", "--all").description("Also the settled fetches still retained.");
        return m.build();
    }

    @Override
    public Integer call() {
        Store store = ctx.store();
        if (!all && !ctx.globals().json() && !Terminals.isTerminal(1)) {
            // What a script reads: ids only, which need no summary read (Store.activeIds).
            List<String> ids = store.activeIds();
            ctx.reportWarnings();
            ctx.ensureWorker();
            for (String id : ids) { // loops, not forEach(lambda): list links no lambda (LauncherIT)
                ctx.out().println(Escapes.terminal(id));
            }
            return ExitCodes.OK;
        }
        List<Fetch> fetches = all ? store.all() : store.active();
        ctx.reportWarnings();
        ctx.ensureWorker();
        if (ctx.globals().json()) {
            ObjectNode root = Views.object();
            root.put("schema", Store.SCHEMA);
            ArrayNode arr = root.putArray("fetches");
            for (Fetch f : fetches) {
                arr.add(Views.fetch(f, false));
            }
            ctx.printJson(root);
        } else if (Terminals.isTerminal(1)) {
            // Colour only where stdout is a terminal: in a pipe or a file it would be noise.
            boolean color = ctx.globals().color() && !"dumb".equals(System.getenv("TERM"));
            for (String line : table(fetches, Terminals.width(1))) {
                ctx.out().println(color ? Colors.ansi(line) : line);
            }
        } else {
            for (Fetch f : fetches) {
                ctx.out().println(Escapes.terminal(f.id));
            }
        }
        return ExitCodes.OK;
    }

    /**
     * The table's lines, header first, each at most {@code width} terminal columns: every column as
     * wide as its widest cell (ids at most 24), the title taking what the others leave (at most 40)
     * and left out when fewer than 8 columns remain. A pure function so tests need no terminal.
     */
    static List<String> table(List<Fetch> fetches, int width) {
        List<String[]> rows = new java.util.ArrayList<>();
        rows.add(new String[] {"ID", "TITLE", "PROGRESS", "FILES", "SPEED", "STATE"});
        for (Fetch f : fetches) {
            Snapshot s = Snapshot.of(f);
            String progress = Format.bytes(s.downloaded) + (s.total > 0 ? " / " + Format.bytes(s.total) : "");
            String state = f.hasSettled() ? f.result + (f.failureReason == FailureReason.NONE ? "" : " (" + f.failureReason + ")") : f.state.wire();
            rows.add(new String[] {Escapes.terminal(f.id), Escapes.terminal(f.title), progress,
                s.filesDone + "/" + s.files, f.hasSettled() ? "" : Format.bytes(s.speed) + "/s", Escapes.terminal(state)});
        }
        // Widths are terminal columns, not chars: a CJK title is twice as wide.
        int[] w = new int[6];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], Format.columns(r[i]));
            }
        }
        w[0] = Math.min(w[0], 24);
        int others = w[0] + w[2] + w[3] + w[4] + w[5] + 2 * 4;
        int title = Math.min(Math.min(40, w[1]), width - others - 2);
        List<String> lines = new java.util.ArrayList<>();
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder(Format.pad(r[0], w[0])).append("  ");
            if (title >= 8) {
                b.append(Format.pad(r[1], title)).append("  ");
            }
            b.append(Format.padLeft(r[2], w[2])).append("  ").append(Format.padLeft(r[3], w[3])).append("  ").append(Format.padLeft(r[4], w[4]))
                    .append("  ").append(r[5]);
            lines.add(Format.fit(b.toString(), width));
        }
        return lines;
    }

    @Override
    public Object get(String field) {
        return switch (field) {
            case "all" -> all;
            default -> throw Fields.unknown(this, field);
        };
    }

    @Override
    public void set(String field, Object value) {
        switch (field) {
            case "all" -> all = (Boolean) value;
            default -> throw Fields.unknown(this, field);
        }
    }
}

package dev.bgfetch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgfetch.progress.FileProgress;
import dev.bgfetch.progress.Snapshot;
import dev.bgfetch.progress.TerminalView;
import dev.bgfetch.progress.Tracker;
import dev.bgfetch.progress.View;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Store;
import dev.bgfetch.state.Views;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Follows fetches until they settle and shows them: the JLine view on a terminal, a plain line every
 * few seconds elsewhere, or JSON lines on stdout. Runs on the calling thread, which is the only one
 * that touches the terminal.
 */
final class LiveView {
    private static final long POLL_MS = 100;
    private static final long JSON_EVERY_MS = 250;
    private static final long PLAIN_EVERY_MS = 5000;

    private final CommandContext ctx;
    private final boolean json;

    LiveView(CommandContext ctx, boolean json) {
        this.ctx = ctx;
        this.json = json;
    }

    /**
     * Follows these keys (null: every active fetch, and the new ones as they come) until they have
     * settled; returns the wait exit code of the first failure in argument order, else 0, or 130 on Ctrl-C.
     */
    int follow(List<String> keys) {
        Store store = ctx.store();
        Tracker tracker = new Tracker(store);
        boolean ascii = !ctx.globals().color();
        TerminalView tv = !json && ctx.interactive() ? TerminalView.open() : null;
        boolean plain = tv == null && !json && !ctx.globals().quiet();
        ObjectMapper m = store.mapper();
        ObjectWriter compact = m.writer().without(SerializationFeature.INDENT_OUTPUT);
        Map<String, String> lastJson = new HashMap<>();
        Map<String, Long> lastJsonAt = new HashMap<>();
        Map<String, Integer> codes = new LinkedHashMap<>();
        Set<String> followed = new LinkedHashSet<>(keys == null ? List.of() : keys);
        long lastPlain = System.nanoTime();
        try {
            while (true) {
                if (keys == null) {
                    for (Fetch f : store.active()) {
                        followed.add(f.key);
                    }
                }
                List<Snapshot> shown = new ArrayList<>();
                for (String key : followed) {
                    if (codes.containsKey(key)) {
                        continue;
                    }
                    Optional<Fetch> read = tracker.read(key);
                    ctx.reportWarnings();
                    if (read.isEmpty()) {
                        if (keys != null) {
                            throw new CliException(ExitCodes.NOT_FOUND, "the fetch was forgotten while waiting");
                        }
                        codes.put(key, ExitCodes.OK);
                        continue;
                    }
                    Fetch f = read.get();
                    Snapshot s = tracker.snapshot(f);
                    if (json) {
                        long now = System.nanoTime();
                        ObjectNode n = node(m, f, s);
                        String line = compact.writeValueAsString(n);
                        Long at = lastJsonAt.get(key);
                        boolean due = at == null || now - at >= JSON_EVERY_MS * 1_000_000;
                        if (!line.equals(lastJson.get(key)) && (due || f.hasSettled())) {
                            ctx.out().println(line);
                            ctx.out().flush();
                            lastJson.put(key, line);
                            lastJsonAt.put(key, now);
                        }
                    }
                    if (f.hasSettled()) {
                        codes.put(key, ExitCodes.forFailureReason(f.failureReason));
                        if (tv != null) {
                            tv.printAbove(View.finalLine(s, f.dir, tv.width(), ascii));
                        } else if (plain) {
                            ctx.err().println(View.finalLine(s, f.dir, 0, true));
                            ctx.err().flush();
                        }
                        continue;
                    }
                    shown.add(s);
                }
                if (tv != null) {
                    tv.show(View.render(shown, tv.width(), tv.height(), ascii));
                } else if (plain && !shown.isEmpty() && System.nanoTime() - lastPlain >= PLAIN_EVERY_MS * 1_000_000) {
                    lastPlain = System.nanoTime();
                    for (Snapshot s : shown) {
                        ctx.err().println(View.plainLine(s));
                    }
                    ctx.err().flush();
                }
                if (shown.isEmpty() && (keys != null || store.active().isEmpty())) {
                    for (int code : codes.values()) {
                        if (code != ExitCodes.OK) {
                            return code;
                        }
                    }
                    return ExitCodes.OK;
                }
                if (tv != null && tv.interrupted()) {
                    return ExitCodes.INTERRUPTED;
                }
                try {
                    Thread.sleep(POLL_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return ExitCodes.INTERRUPTED;
                }
                if (tv != null && tv.interrupted()) {
                    return ExitCodes.INTERRUPTED;
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CliException(ExitCodes.FAILURE, "cannot write JSON: " + e.getMessage());
        } finally {
            if (tv != null) {
                tv.close();
            }
        }
    }

    /** The §1 fields plus eta and the running files' progress: one line of {@code watch --json}. */
    static ObjectNode node(ObjectMapper m, Fetch f, Snapshot s) {
        ObjectNode n = Views.fetch(m, f, false);
        n.put("eta", s.eta());
        ArrayNode running = n.putArray("running");
        for (FileProgress p : s.running) {
            running.addObject().put("index", p.index()).put("name", p.name()).put("downloaded", p.downloaded())
                    .put("total", p.total()).put("speed", p.speed());
        }
        return n;
    }
}

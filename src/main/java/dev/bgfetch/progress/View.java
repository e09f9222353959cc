package dev.bgfetch.progress;

import dev.bgfetch.state.FetchResult;
import dev.bgfetch.state.FailureReason;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.FetchState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The live view as pure text: snapshots plus a terminal size in, lines out, each cut to the width in
 * terminal columns (wide characters count two), so no line ever wraps. Numbers win over the title and
 * the bar when space is short, because they are what a watcher reads.
 */
public final class View {
    /** Files shown under one group at most, so several fetches share the screen. */
    static final int MAX_FILES = 8;

    private View() {
    }

    /** The whole view: a group line per fetch, its busiest running files under it, at most {@code height - 1} lines. */
    public static List<String> render(List<Snapshot> fetches, int width, int height, boolean ascii) {
        int budget = Math.max(1, height - 1);
        List<String> out = new ArrayList<>();
        int groups = fetches.size();
        int shownGroups = groups <= budget ? groups : Math.max(0, budget - 1);
        int spare = budget - shownGroups - (shownGroups < groups ? 1 : 0);
        int perGroup = shownGroups == 0 ? 0 : Math.min(MAX_FILES, spare / shownGroups);
        for (int g = 0; g < shownGroups; g++) {
            Snapshot s = fetches.get(g);
            out.add(groupLine(s, width, ascii));
            List<FileProgress> running = s.running;
            if (perGroup == 0 || running.isEmpty()) {
                continue;
            }
            int shown = running.size() <= perGroup ? running.size() : perGroup - 1;
            for (int i = 0; i < shown; i++) {
                out.add(fileLine(running.get(i), width, ascii));
            }
            if (shown < running.size()) {
                out.add(Format.fit("  +" + (running.size() - shown) + " more running", width));
            }
        }
        if (shownGroups < groups) {
            out.add(Format.fit("+" + (groups - shownGroups) + " more fetches", width));
        }
        return out;
    }

    /** {@code id  title  [████░░░░]  62%  38.1 MiB/61.0 MiB  1/2 files  4.2 MiB/s  ETA 00:05  paused}. */
    public static String groupLine(Snapshot s, int width, boolean ascii) {
        String id = Format.fit(Escapes.terminal(s.id), 24);
        String title = Escapes.terminal(s.title);
        String state = stateText(s);
        String full = numbers(s, false) + state;
        String numbers = Format.columns(id) + Format.columns(full) <= width ? full : numbers(s, true) + state;
        return layout(id, title, s.downloaded, s.total, numbers, width, ascii);
    }

    /** {@code   ep-5.mp3  [████░░░░]  55%  33.0 MiB/60.0 MiB  3.9 MiB/s}. */
    public static String fileLine(FileProgress f, int width, boolean ascii) {
        String name = Escapes.terminal(f.name());
        String full = percent(f.downloaded(), f.total()) + "  " + amount(f.downloaded(), f.total(), false)
                + "  " + Format.bytes(f.speed()) + "/s";
        String numbers = Format.columns(name) + Format.columns(full) + 4 <= width ? full
                : percent(f.downloaded(), f.total()) + " " + amount(f.downloaded(), f.total(), true)
                + " " + compact(f.speed()) + "/s";
        return layout("  " + shortenMiddle(name, Math.max(8, width / 2)), "", f.downloaded(), f.total(),
                numbers.strip(), width, ascii);
    }

    /** The line a settled fetch leaves above the view: mark, id, title, result, size, where its files are. */
    public static String finalLine(Snapshot s, String dir, int width, boolean ascii) {
        boolean ok = s.result == FetchResult.SUCCESS;
        StringBuilder b = new StringBuilder(ascii ? (ok ? "ok " : "FAIL ") : (ok ? "✔ " : "✘ "));
        b.append(Escapes.terminal(s.id));
        if (!s.title.isEmpty()) {
            b.append("  ").append(Escapes.terminal(s.title));
        }
        b.append("  ").append(s.result == FetchResult.NONE ? "settled" : s.result);
        if (s.failureReason != FailureReason.NONE) {
            b.append(" (").append(s.failureReason).append("): ").append(s.filesDone).append(" of ")
                    .append(s.files).append(" files");
        }
        b.append("  ").append(Format.bytes(s.downloaded));
        if (dir != null && !dir.isEmpty()) {
            b.append(ascii ? "  -> " : "  → ").append(Escapes.terminal(dir));
        }
        return Format.fit(b.toString(), width);
    }

    /** One plain progress line for logs and non-terminals: everything, nothing cut. */
    public static String plainLine(Snapshot s) {
        String title = s.title.isEmpty() ? "" : "  " + Escapes.terminal(s.title);
        return Escapes.terminal(s.id) + title + "  " + numbers(s, false) + stateText(s);
    }

    private static String layout(String head, String title, long done, long total, String numbers, int width,
            boolean ascii) {
        int room = width - Format.columns(head) - Format.columns(numbers) - 2;
        StringBuilder b = new StringBuilder(head);
        if (!title.isEmpty() && room > 4) {
            String t = shortenMiddle(title, Math.min(40, total > 0 && room > 24 ? room - 14 : room - 2));
            b.append("  ").append(t);
            room -= Format.columns(t) + 2;
        }
        if (total > 0 && room >= 12) {
            int bar = Math.min(30, room - 4);
            int filled = (int) (bar * Math.min(1.0, (double) done / total));
            b.append("  [").append((ascii ? "#" : "█").repeat(filled)).append((ascii ? "-" : "░").repeat(bar - filled))
                    .append(']');
        }
        b.append("  ").append(numbers);
        return Format.fit(b.toString(), width);
    }

    private static String numbers(Snapshot s, boolean compact) {
        String sep = compact ? " " : "  ";
        StringBuilder b = new StringBuilder();
        if (s.total > 0) {
            b.append(percent(s.downloaded, s.total)).append(sep);
        }
        b.append(amount(s.downloaded, s.total, compact)).append(sep);
        b.append(s.filesDone).append('/').append(s.files).append(compact ? "" : " files");
        if (s.state != FetchState.SETTLED && (s.speed > 0 || s.state == FetchState.DOWNLOADING)) {
            b.append(sep).append(compact ? compact(s.speed) : Format.bytes(s.speed)).append("/s");
            long eta = s.eta();
            if (eta >= 0) {
                b.append(sep).append(compact ? "" : "ETA ").append(Format.duration(eta));
            }
        }
        return b.toString();
    }

    private static String stateText(Snapshot s) {
        if (s.state == FetchState.DOWNLOADING) {
            return "";
        }
        if (s.state == FetchState.SETTLED) {
            return "  " + (s.result == FetchResult.NONE ? "settled" : s.result)
                    + (s.failureReason == FailureReason.NONE ? "" : " (" + s.failureReason + ")");
        }
        StringBuilder b = new StringBuilder("  ").append(s.state);
        if (s.retryReason != null) {
            b.append(": ").append(Escapes.terminal(s.retryReason));
            if (s.retryIn >= 0) {
                b.append(", retry in ").append(s.retryIn).append(" s");
            }
        }
        return b.toString();
    }

    private static String percent(long done, long total) {
        return total > 0 ? String.format(Locale.ROOT, "%3d%%", Math.min(100, done * 100 / total)) : "";
    }

    private static String amount(long done, long total, boolean compact) {
        if (compact) {
            return compact(done) + (total > 0 ? "/" + compact(total) : "");
        }
        return Format.bytes(done) + (total > 0 ? "/" + Format.bytes(total) : "");
    }

    /** {@code 38.1M}: the unit's letter only, for narrow terminals. */
    static String compact(long n) {
        return Format.bytes(n).replace(" B", "B").replace("iB", "").replace(" ", "");
    }

    /** Cuts the middle out of a name so both its start and its extension stay readable. */
    static String shortenMiddle(String s, int width) {
        if (Format.columns(s) <= width || width < 5) {
            return Format.columns(s) <= width ? s : Format.fit(s, Math.max(1, width));
        }
        int keepEnd = (width - 1) / 3;
        int[] cps = s.codePoints().toArray();
        StringBuilder tail = new StringBuilder();
        int used = 0;
        for (int i = cps.length - 1; i >= 0; i--) {
            int w = Format.columns(new String(Character.toChars(cps[i])));
            if (used + w > keepEnd) {
                break;
            }
            tail.insert(0, Character.toChars(cps[i]));
            used += w;
        }
        String head = Format.fit(s, width - used);
        return head + tail;
    }
}

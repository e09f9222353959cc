package dev.bgfetch.worker;

import dev.bgfetch.state.Fetch;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A desktop notification (notify-send) for each settled fetch, when the setting, a display and the tool are there. */
final class Notifier {
    private static final long TIMEOUT_MS = 5_000;
    private final Path notifySend;

    private Notifier(Path notifySend) {
        this.notifySend = notifySend;
    }

    /** Looks once, at worker start: a disabled notifier costs nothing per fetch. */
    static Notifier of(boolean enabled, Map<String, String> env) {
        boolean display = !env.getOrDefault("DISPLAY", "").isEmpty() || !env.getOrDefault("WAYLAND_DISPLAY", "").isEmpty();
        Path tool = null;
        if (enabled && display) {
            for (String dir : env.getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path p = dir.isEmpty() ? null : Path.of(dir, "notify-send");
                if (p != null && p.isAbsolute() && Files.isExecutable(p)) {
                    tool = p;
                    break;
                }
            }
        }
        return new Notifier(tool);
    }

    boolean enabled() {
        return notifySend != null;
    }

    /** Runs notify-send for a settled fetch and waits at most 5 s for it; call it off the worker's loop. */
    void settled(Fetch f) {
        if (notifySend == null) {
            return;
        }
        boolean ok = f.result == dev.bgfetch.state.FetchResult.SUCCESS;
        String summary = "bgfetch: " + clean(f.id) + (ok ? " succeeded" : " failed (" + clean(f.failureReason.wire()) + ")");
        String body = (f.title.isEmpty() ? "" : clean(f.title) + "\n") + f.files
                + (f.files == 1 ? " file" : " files") + ", " + f.downloaded + " bytes";
        List<String> argv = List.of(notifySend.toString(), "--app-name=bgfetch", "--urgency=" + (ok ? "normal" : "critical"),
                "--", summary, body);
        try {
            Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                Log.info("notify-send for '" + f.id + "' still running after 5 s: killed");
            } else if (p.exitValue() != 0) {
                Log.info("notify-send for '" + f.id + "' exited " + p.exitValue());
            }
        } catch (java.io.IOException e) {
            Log.info("notify-send for '" + f.id + "' failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** No control characters; markup characters escaped (notification servers read the body as markup). */
    static String clean(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c == '&') {
                b.append("&amp;");
            } else if (c == '<') {
                b.append("&lt;");
            } else if (c == '>') {
                b.append("&gt;");
            } else if (!Character.isISOControl(c) && Character.getType(c) != Character.FORMAT) {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}

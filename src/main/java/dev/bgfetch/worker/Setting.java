package dev.bgfetch.worker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Every worker setting, declared once: its environment variable, its key in {@code config.properties}
 * in the store and in the user's config file, its default and what it does (lookup order: {@link Values}).
 */
public enum Setting {
    IDLE_EXIT("BGFETCH_WORKER_IDLE", "worker.idle", "10s", Kind.DURATION, "how long the worker stays with nothing to do before it exits"),
    MAX_CONNECTIONS("BGFETCH_MAX_CONNECTIONS", "max-connections", "16", Kind.COUNT, "transfers at once, in all"),
    MAX_PER_HOST("BGFETCH_MAX_PER_HOST", "max-per-host", "6", Kind.COUNT, "transfers at once to one host"),
    CONNECT_TIMEOUT("BGFETCH_CONNECT_TIMEOUT", "connect-timeout", "30s", Kind.DURATION, "connect timeout; then wait for the network"),
    STALL_TIMEOUT("BGFETCH_STALL_TIMEOUT", "stall-timeout", "30s", Kind.DURATION, "a transfer with no byte for this long is stalled; then wait for the network"),
    RETRY_MAX_DELAY("BGFETCH_RETRY_MAX_DELAY", "retry-max-delay", "30s", Kind.DURATION, "cap of the exponential backoff while waiting for the network"),
    STATUS_RETRIES("BGFETCH_STATUS_RETRIES", "status-retries", "5", Kind.NUMBER, "retries of 408/429/503 answers before bad-status"),
    HOOK_TIMEOUT("BGFETCH_HOOK_TIMEOUT", "hook-timeout", "60s", Kind.DURATION, "a hook still running after this is killed"),
    NOTIFY("BGFETCH_NOTIFY", "notify", "false", Kind.BOOLEAN, "a desktop notification (notify-send) when a fetch settles, if a display is set"),
    MIN_FREE("BGFETCH_MIN_FREE", "min-free", "0", Kind.SIZE, "free space to keep on the target file system; below it: quota-exceeded"),
    FSYNC("BGFETCH_FSYNC", "fsync", "true", Kind.BOOLEAN, "fsync each file before it gets its final name (survives power loss, not only kill -9)"),
    CA_CERTIFICATE("BGFETCH_CA_CERTIFICATE", "ca-certificate", "", Kind.TEXT, "a PEM file of CA certificates trusted in addition to the JDK's"),
    SPLIT("BGFETCH_SPLIT", "split", "16", Kind.COUNT, "connections one file may use at once, within the per-host and total limits (1 = no segments)"),
    MIN_SPLIT_SIZE("BGFETCH_MIN_SPLIT_SIZE", "min-split-size", "4Mi", Kind.SIZE, "a file is split only into segments of at least this size"),
    LIMIT_RATE("BGFETCH_LIMIT_RATE", "limit-rate", "0", Kind.SIZE, "bytes per second for all fetches of the worker together (0 = unlimited)"),
    PROXY("BGFETCH_PROXY", "proxy", "", Kind.TEXT, "an http proxy for fetches registered without --proxy, --no-proxy or proxy variables"),
    LOG_MAX("BGFETCH_WORKER_LOG_MAX", "worker.log-max", "10Mi", Kind.SIZE, "worker.log past this size is copied to worker.log.1 and emptied, also while the worker runs (0 = no limit)");

    public final String env;
    public final String key;
    public final String defaultValue;
    final Kind kind;
    public final String doc;

    Setting(String env, String key, String defaultValue, Kind kind, String doc) {
        this.env = env;
        this.key = key;
        this.defaultValue = defaultValue;
        this.kind = kind;
        this.doc = doc;
    }

    /** Why {@code value} cannot be this setting's, or null if it can. */
    String refuse(String value) {
        String why = kind.refuse(value);
        if (why == null && this == MIN_SPLIT_SIZE && Units.bytes(value) < 1024) {
            // as --min-split-size: 0 or 1 split a 30 MB file into 77 segments
            return "below 1Ki, the least --min-split-size takes";
        }
        return why;
    }

    /** What a value must be; a value that is not is a warning and the default is used. */
    enum Kind {
        DURATION, SIZE, BOOLEAN, TEXT,
        /** A whole number of at least 1. */
        COUNT,
        /** A whole number of at least 0. */
        NUMBER;

        /** Why {@code value} is not one, or null if it is. */
        String refuse(String value) {
            try {
                switch (this) {
                    case DURATION -> Units.duration(value);
                    case SIZE -> Units.bytes(value);
                    case BOOLEAN -> {
                        if (Values.parseBoolean(value) == null) {
                            return "not true or false";
                        }
                    }
                    case COUNT, NUMBER -> {
                        int min = this == COUNT ? 1 : 0;
                        if (!value.matches("[0-9]{1,9}") || Integer.parseInt(value) < min) {
                            return "not a whole number from " + min + " to 999999999";
                        }
                    }
                    case TEXT -> {
                        // anything; files and proxies are checked where they are used
                    }
                }
                return null;
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        }
    }

    /**
     * Resolved values, looked up in one place, first found wins: the environment, the store's
     * {@code HOME/config.properties}, the user's config file (see {@link #userFile}), the default.
     */
    public static final class Values {
        private final Map<Setting, String> values = new java.util.HashMap<>(); // not EnumMap: see DurableFiles
        private final List<String> warnings = new ArrayList<>();

        public static Values load(Path home, Map<String, String> env) {
            Properties store = new Properties();
            try (InputStream in = Files.newInputStream(home.resolve("config.properties"))) {
                store.load(in);
            } catch (NoSuchFileException e) {
                // no config file: defaults
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + home.resolve("config.properties") + ": "
                        + dev.bgfetch.state.IoReason.of(e));
            }
            Values v = new Values();
            Path userFile = userFile(env, System.getProperty("user.home"));
            Map<String, String> user = userFile == null ? Map.of() : v.readUserFile(userFile);
            for (Setting s : Setting.values()) {
                String value = env.get(s.env);
                String from = s.env;
                if (value == null || value.isBlank()) {
                    value = store.getProperty(s.key);
                    from = home.resolve("config.properties") + ": " + s.key;
                }
                if (value == null) {
                    value = user.get(s.key);
                    from = userFile + ": " + s.key;
                }
                if (value == null) {
                    value = s.defaultValue;
                } else {
                    value = value.trim();
                    String why = s.refuse(value);
                    if (why != null) {
                        // Warned and set aside, never fatal: a bad value once stopped every worker at its start
                        v.warnings.add(from + " = '" + value + "': " + why + "; the default (" + s.defaultValue
                                + ") is used");
                        value = s.defaultValue;
                    }
                }
                v.values.put(s, value);
            }
            return v;
        }

        /**
         * {@code $XDG_CONFIG_HOME/bgfetch/config}, else {@code $HOME/.config/bgfetch/config}. As the XDG
         * Base Directory spec says, a relative XDG_CONFIG_HOME is invalid and ignored; {@code $HOME} wins
         * over the passwd entry (user.home). Null when there is no home at all.
         */
        static Path userFile(Map<String, String> env, String userHome) {
            String xdg = env.get("XDG_CONFIG_HOME");
            if (xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute()) {
                return Path.of(xdg, "bgfetch", "config");
            }
            String h = env.get("HOME");
            Path base = h != null && Path.of(h).isAbsolute() ? Path.of(h)
                    : userHome == null || userHome.isEmpty() ? null : Path.of(userHome);
            return base == null ? null : base.resolve(".config").resolve("bgfetch").resolve("config");
        }

        /**
         * {@code key = value} lines; blank lines and lines starting with {@code #} are skipped. A line that
         * is not {@code key = value} or names no setting is a warning with FILE:LINE, never fatal: a
         * config file shared between bgfetch versions must not stop the worker.
         */
        private Map<String, String> readUserFile(Path file) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                return Map.of();
            } catch (IOException e) {
                warnings.add("cannot read " + file + ": " + dev.bgfetch.state.IoReason.of(e));
                return Map.of();
            }
            Map<String, String> found = new HashMap<>();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int eq = line.indexOf('=');
                String key = eq < 0 ? "" : line.substring(0, eq).strip();
                if (eq < 0 || key.isEmpty()) {
                    warnings.add(file + ":" + (i + 1) + ": not 'key = value', ignored");
                } else if (Arrays.stream(Setting.values()).noneMatch(s -> s.key.equals(key))) {
                    warnings.add(file + ":" + (i + 1) + ": unknown setting '" + key + "', ignored");
                } else {
                    found.put(key, line.substring(eq + 1).strip());
                }
            }
            return found;
        }

        /** What was ignored: lines of the user's config file (FILE:LINE) and values that are not what their setting takes (their source). */
        public List<String> warnings() {
            return List.copyOf(warnings);
        }

        public String text(Setting s) {
            return values.get(s);
        }

        public int integer(Setting s) {
            try {
                return Integer.parseInt(values.get(s));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad value for " + s.key + " (" + s.env + "): '" + values.get(s) + "'");
            }
        }

        public long size(Setting s) {
            return Units.bytes(values.get(s));
        }

        public boolean bool(Setting s) {
            Boolean b = parseBoolean(values.get(s));
            if (b == null) {
                throw new IllegalArgumentException("bad value for " + s.key + " (" + s.env + "): '" + values.get(s) + "'");
            }
            return b;
        }

        /** true/yes/1 or false/no/0, any case; null for anything else. */
        static Boolean parseBoolean(String text) {
            String v = text.toLowerCase(Locale.ROOT);
            if (v.equals("true") || v.equals("yes") || v.equals("1")) {
                return true;
            }
            if (v.equals("false") || v.equals("no") || v.equals("0")) {
                return false;
            }
            return null;
        }

        /** A file named by the setting, or null when it is empty. */
        public Path path(Setting s) {
            String v = values.get(s);
            return v.isEmpty() ? null : Path.of(v).toAbsolutePath();
        }

        public Duration duration(Setting s) {
            try {
                return Units.duration(values.get(s));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(s.key + " (" + s.env + "): " + e.getMessage());
            }
        }
    }
}

package dev.bgfetch.cli;

import java.nio.file.Path;
import picocli.CommandLine.ScopeType;

/**
 * Options every command accepts, before or after the command name. Picocli copies inherited options
 * into each subcommand but binds them to this one instance of the top command's mixin.
 */
public final class GlobalOptions implements Fields {
    Path home;
    boolean json;
    boolean quiet;
    boolean noColor;
    boolean verbose;

    /** Declares these options to the top command, as the mixin "globals". */
    void declare(CommandModel m) {
        m.bindTo(this);
        m.option("home", "--home").scopeType(ScopeType.INHERIT).paramLabel("DIR").converters(new PathOption.ToPath())
                .description("The store (env BGFETCH_HOME; default $${XDG_STATE_HOME:-~/.local/state}/bgfetch).");
        m.option("json", "--json").scopeType(ScopeType.INHERIT).description("Print JSON on stdout.");
        m.option("quiet", "-q", "--quiet").scopeType(ScopeType.INHERIT)
                .description("No progress or notices on stderr.");
        m.option("noColor", "--no-color").scopeType(ScopeType.INHERIT)
                .description("No colour (also when NO_COLOR is set).");
        m.option("verbose", "-v", "--verbose").scopeType(ScopeType.INHERIT)
                .description("Show stack traces and details of errors.");
        m.mixin("globals");
    }

    public boolean json() {
        return json;
    }

    public boolean quiet() {
        return quiet;
    }

    public boolean verbose() {
        return verbose;
    }

    public boolean color() {
        return !noColor && System.getenv("NO_COLOR") == null;
    }

    /** The store directory: --home, else BGFETCH_HOME, else the XDG state dir. */
    public Path home() {
        if (home != null) {
            return home.toAbsolutePath();
        }
        return defaultHome(System.getenv(), System.getProperty("user.home"));
    }

    /**
     * BGFETCH_HOME, else {@code $XDG_STATE_HOME/bgfetch}, else {@code $HOME/.local/state/bgfetch}. As the
     * XDG Base Directory spec says, a relative XDG_STATE_HOME is invalid and ignored, and {@code $HOME}
     * wins over the passwd entry (the JVM's user.home), which is only the fallback when HOME is unset.
     */
    static Path defaultHome(java.util.Map<String, String> env, String userHome) {
        String own = env.get("BGFETCH_HOME");
        if (own != null && !own.isEmpty()) {
            return Path.of(own).toAbsolutePath();
        }
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "bgfetch");
        }
        String h = env.get("HOME");
        Path base = h != null && Path.of(h).isAbsolute() ? Path.of(h) : Path.of(userHome);
        return base.resolve(".local").resolve("state").resolve("bgfetch").toAbsolutePath();
    }

    @Override
    public Object get(String field) {
        return switch (field) {
            case "home" -> home;
            case "json" -> json;
            case "quiet" -> quiet;
            case "noColor" -> noColor;
            case "verbose" -> verbose;
            default -> throw Fields.unknown(this, field);
        };
    }

    @Override
    public void set(String field, Object value) {
        switch (field) {
            case "home" -> home = (Path) value;
            case "json" -> json = (Boolean) value;
            case "quiet" -> quiet = (Boolean) value;
            case "noColor" -> noColor = (Boolean) value;
            case "verbose" -> verbose = (Boolean) value;
            default -> throw Fields.unknown(this, field);
        }
    }
}

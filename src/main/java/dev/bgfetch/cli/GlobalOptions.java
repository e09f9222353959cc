package dev.bgfetch.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Options every command accepts, before or after the command name. Picocli copies inherited options
 * into each subcommand but binds them to this one instance of the top command's mixin.
 */
public final class GlobalOptions {
    @Option(names = "--home", scope = ScopeType.INHERIT, paramLabel = "DIR", converter = PathOption.ToPath.class,
            description = "The store (env BGFETCH_HOME; default $${XDG_STATE_HOME:-~/.local/state}/bgfetch).")
    Path home;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print JSON on stdout.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT, description = "No progress or notices on stderr.")
    boolean quiet;

    @Option(names = "--no-color", scope = ScopeType.INHERIT, description = "No colour (also when NO_COLOR is set).")
    boolean noColor;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Show stack traces and details of errors.")
    boolean verbose;

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
}

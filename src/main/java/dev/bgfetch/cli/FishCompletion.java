package dev.bgfetch.cli;

import dev.bgfetch.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Writes the fish completion script from the picocli model, as picocli's AutoComplete does for bash
 * and zsh (run by the build in process-classes; GeneratedFilesTest keeps completions/bgfetch.fish in sync).
 */
public final class FishCompletion {
    private FishCompletion() {
    }

    /** Build-time entry point: {@code FishCompletion OUTPUT_FILE}. */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, script(Main.createCommandLine()), StandardCharsets.UTF_8);
    }

    static String script(CommandLine root) {
        String name = root.getCommandName();
        List<String> lines = new ArrayList<>();
        lines.add("# fish completion for " + name + ", generated from its picocli model: do not edit.");
        lines.add("# Install: cp bgfetch.fish ~/.config/fish/completions/");
        lines.add("complete -c " + name + " -f");
        List<String> subs = new ArrayList<>();
        for (Map.Entry<String, CommandLine> e : root.getSubcommands().entrySet()) {
            if (!e.getValue().getCommandSpec().usageMessage().hidden() && !subs.contains(e.getKey())) {
                subs.add(e.getKey());
            }
        }
        String none = "__fish_use_subcommand";
        for (String sub : subs) {
            CommandSpec spec = root.getSubcommands().get(sub).getCommandSpec();
            lines.add("complete -c " + name + " -n " + none + " -a " + sub + " -d " + quote(first(spec.usageMessage().description())));
        }
        options(lines, name, none, root.getCommandSpec());
        for (String sub : subs) {
            options(lines, name, "'__fish_seen_subcommand_from " + sub + "'", root.getSubcommands().get(sub).getCommandSpec());
        }
        return String.join("\n", lines) + "\n";
    }

    private static void options(List<String> lines, String name, String condition, CommandSpec spec) {
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) {
                continue;
            }
            StringBuilder b = new StringBuilder("complete -c " + name + " -n " + condition);
            for (String n : o.names()) {
                if (n.startsWith("--")) {
                    b.append(" -l ").append(n.substring(2));
                } else if (n.length() == 2 && n.startsWith("-")) {
                    b.append(" -s ").append(n.substring(1));
                }
            }
            if (o.arity().max() > 0) {
                b.append(" -r");
                List<String> candidates = new ArrayList<>();
                if (o.completionCandidates() != null) {
                    o.completionCandidates().forEach(candidates::add);
                }
                if (!candidates.isEmpty()) {
                    b.append(" -a ").append(quote(String.join(" ", candidates)));
                } else if (Path.class.isAssignableFrom(o.type()) || java.io.File.class.isAssignableFrom(o.type())) {
                    b.append(" -F");
                }
            }
            b.append(" -d ").append(quote(first(o.description())));
            lines.add(b.toString());
        }
    }

    private static String first(String[] description) {
        String d = description.length == 0 ? "" : description[0];
        d = d.replace("%n", " ").replace("$${", "${").replaceAll("\\s+", " ").strip();
        // the first sentence: a full stop before a capital, so "e.g. 30s" does not end it
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\.\\s+(?=[A-Z])").matcher(d);
        return m.find() ? d.substring(0, m.start() + 1) : d;
    }

    /** fish single quotes: only \\ and ' are special inside them. */
    private static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}

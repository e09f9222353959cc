package dev.bgfetch.cli;

import dev.bgfetch.Main;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import picocli.AutoComplete;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Build-time entry point (pom.xml, process-classes): the bash completion script and the man pages'
 * AsciiDoc from the command model the program runs with, by picocli's own generators. Their command
 * line forms take an annotated class, and the model is built by hand (see {@link CommandModel}).
 * GeneratedFilesTest keeps the committed copies in completions/ and man/ in sync.
 */
public final class Docs {
    private Docs() {
    }

    /** {@code bash SCRIPT} or {@code man DIR}. */
    public static void main(String[] args) throws IOException, ReflectiveOperationException {
        File out = new File(args[1]);
        switch (args[0]) {
            case "bash":
                out.getAbsoluteFile().getParentFile().mkdirs();
                AutoComplete.bash("bgfetch", out, null, Main.createCommandLine());
                break;
            case "man":
                manPages(out, Main.createCommandLine().getCommandSpec());
                break;
            default:
                throw new IllegalArgumentException("bash SCRIPT or man DIR, not " + args[0]);
        }
    }

    /**
     * picocli-codegen's ManPageGenerator, which is on the build's class path only (the exec plugin's
     * dependency), hence the reflection: one page per command, templates none, overwriting.
     */
    private static void manPages(File dir, CommandSpec top) throws IOException, ReflectiveOperationException {
        Method generate = Class.forName("picocli.codegen.docgen.manpage.ManPageGenerator").getMethod("generateManPage",
                File.class, File.class, boolean[].class, boolean.class, CommandSpec[].class);
        try {
            int status = (Integer) generate.invoke(null, dir, null, new boolean[0], true, new CommandSpec[] {top});
            if (status != 0) {
                throw new IOException("ManPageGenerator exited " + status);
            }
        } catch (InvocationTargetException e) {
            throw new IOException("ManPageGenerator failed: " + e.getCause(), e.getCause());
        }
    }
}

package dev.bgfetch.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs mounted for a test, to fill up for real: the test is skipped (not failed) where it
 * cannot be mounted (not root, no mount). Unmounted on close.
 */
public final class Tmpfs implements AutoCloseable {
    public final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code size} (as mount's option: "1m") at {@code dir}, created if missing. */
    public static Tmpfs mount(Path dir, String size) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String why = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeTrue(p.waitFor() == 0, "needs a " + size + " tmpfs (root and mount): " + why);
        return new Tmpfs(dir);
    }

    /** Gives it a new size, keeping what it holds: room again after a test filled it. */
    public void resize(String size) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mount", "-o", "remount,size=" + size, dir.toString()).start();
        if (p.waitFor() != 0) {
            throw new IOException("remount of " + dir + " failed");
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        // lazily: a worker of the test may still hold a file open there
        new ProcessBuilder("umount", "-l", dir.toString()).start().waitFor();
    }
}

package dev.bgfetch.worker;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Set;

/**
 * The worker's log: stderr, which the launcher points at worker.log in the store (opened for
 * appending, by the worker and the hooks it runs). Past its size limit it is copied to worker.log.1
 * and emptied, as logrotate's copytruncate does: the open descriptors cannot be pointed at a new
 * file, and a worker that ran for weeks, or ran hooks that print, grew it without end.
 */
final class Log {
    /** How much is written between two looks at the file's size. */
    private static final long CHECK_EVERY = 64 * 1024;

    private static Path file;
    private static long max;
    private static long sinceCheck;

    private Log() {
    }

    static synchronized void info(String msg) {
        System.err.println(Instant.now() + " " + msg);
        System.err.flush();
        sinceCheck += msg.length() + 32;
        if (sinceCheck >= CHECK_EVERY) {
            rotateIfLarge();
        }
    }

    /** Keeps {@code log} to {@code maxBytes} (0: no limit) from now on; looks at it at once. */
    static synchronized void keepSmall(Path log, long maxBytes) {
        file = log;
        max = maxBytes;
        rotateIfLarge();
    }

    /**
     * Copies worker.log to a new worker.log.1 and empties it, once it is past the limit. The copy is
     * made in a new private file (it may hold URLs with tokens) renamed over worker.log.1, so a link
     * there is replaced, not followed (one kept it from ever rotating), and a worker.log.1 left
     * readable by others does not stay so. A line another writer (a hook) appends between the copy
     * and the truncation is lost; a log line is worth less than the lock that would take.
     */
    static synchronized void rotateIfLarge() {
        sinceCheck = 0;
        if (file == null || max <= 0) {
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".1.tmp");
        try {
            if (Files.size(file) <= max) {
                return;
            }
            Files.deleteIfExists(tmp);
            try (FileChannel from = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                try (FileChannel to = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
                    long n = from.size();
                    for (long at = 0; at < n; ) {
                        at += from.transferTo(at, n - at, to);
                    }
                }
                Files.move(tmp, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
                from.truncate(0);
            }
        } catch (IOException | RuntimeException e) {
            // cannot look or copy (full disk, gone): keep appending, as before
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException | RuntimeException ignored) {
                // nothing more to do
            }
        }
    }

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
}

package dev.bgfetch.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** File operations that survive a crash at any instant, on private (0600/0700) files. */
public final class DurableFiles {
    // Set.of, not PosixFilePermissions.fromString or EnumSet: an EnumSet asks the enum for its values
    // reflectively, and from Java 18 the first reflective call of a JVM builds a method-handle accessor
    // (~4 ms of every command on JDK 25); the same goes for the open options below.
    private static final Set<PosixFilePermission> DIR_PERMS = Set.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
    private static final Set<PosixFilePermission> FILE_PERMS = Set.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);

    private DurableFiles() {
    }

    /** Writes {@code data} to {@code target} durably: temp file, fsync, rename, fsync the directory. */
    public static void writeAtomic(Path target, byte[] data) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), fileAttrs())) {
            writeFully(ch, ByteBuffer.wrap(data));
            ch.force(true);
        }
        move(tmp, target);
        fsyncDir(target.getParent());
    }

    /** Writes a new private file and fsyncs it, for a directory not yet visible (see FetchFiles#createDir). */
    static void writeSynced(Path file, byte[] data) throws IOException {
        try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                fileAttrs())) {
            writeFully(ch, ByteBuffer.wrap(data));
            ch.force(true);
        }
    }

    /** An atomic rename (a plain one where the file system has no atomic move). */
    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Makes a rename or delete durable; some file systems refuse to fsync a directory, which is fine. */
    static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Creates the directory 0700, or makes an existing one 0700: a pre-created store must be private too. */
    static void mkdirPrivate(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_PERMS));
        }
        if (mode(dir) != 0700) {
            Files.setPosixFilePermissions(dir, DIR_PERMS);
        }
    }

    /**
     * The permission bits, read as the "unix:mode" number where the platform has it: the JDK builds
     * {@code getPosixFilePermissions}' answer as an EnumSet (see DIR_PERMS), ~4-9 ms of every command on
     * JDK 25. Directories are only read through it, so only rwx bits matter.
     */
    private static int mode(Path p) throws IOException {
        try {
            return (Integer) Files.getAttribute(p, "unix:mode") & 0777;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            int m = 0;
            for (PosixFilePermission x : Files.getPosixFilePermissions(p)) {
                m |= 0400 >> x.ordinal(); // OWNER_READ, OWNER_WRITE, ... OTHERS_EXECUTE, in that order
            }
            return m;
        }
    }

    /** Deletes a fetch's directory (its files, then itself); gone already is fine. */
    static void deleteTree(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException e) {
            return;
        }
        Files.deleteIfExists(dir);
    }

    static FileAttribute<?> fileAttrs() {
        return PosixFilePermissions.asFileAttribute(FILE_PERMS);
    }
}

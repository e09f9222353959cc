package dev.bgfetch.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One transfer's {@code .part} file on disk, only ever opened, written and hashed as the regular file
 * this transfer looked at, never through a link or into a file put in its place (SPEC §4.7).
 */
final class PartFile {
    private static final int HASH_BUFFER = 256 * 1024;

    private final Path path;
    /** What this transfer writes, null for the whole file; once ranged, other segments grow the .part meanwhile. */
    private final Segment segment;
    private final long minFree;
    /** The identity (inode) of the .part this transfer opened, to notice it being removed or replaced. */
    private volatile Object key;
    /** The identity of a file at the name that this transfer refused to write: equal to no file's. */
    private static final Object NOT_OURS = new Object() {
        @Override
        public String toString() {
            return "not ours";
        }
    };
    /** The last look at the .part (before the request) found none; the next open creates it. */
    private boolean absent;

    /** Whether the last look ({@link #length}) found a file at the name. */
    boolean found() {
        return !absent;
    }

    /** The name is somebody else's file ({@code why}): the record takes another name, and the clean-up leaves this one alone. */
    Outcome taken(String why) {
        key = NOT_OURS;
        return Outcome.of(Outcome.Kind.NAME_TAKEN, path + " " + why);
    }

    PartFile(Path path, Segment segment, long minFree) {
        this.path = path;
        this.segment = segment;
        this.minFree = minFree;
    }

    /** The identity of the .part as last opened or looked at; null before. */
    Object key() {
        return key;
    }

    /** A .part proven by a look rather than an open (a segmented finish, a 416): its identity is what the deliverer checks. */
    void identify(BasicFileAttributes a) {
        key = a == null ? null : a.fileKey();
    }

    /** The length of the local partial data: 0 when there is none; a link or special file there is refused. */
    long length() throws DiskError {
        // No .part is the usual case, where Files.readAttributes costs an exception (JDK 17): 5% of a
        // warm worker's transfer CPU on W2. java.io's stat says no without one; it follows links, so a
        // dangling link looks absent here, and the O_EXCL create in open() refuses it.
        if (!path.toFile().exists()) {
            absent = true;
            return 0;
        }
        BasicFileAttributes a = attributes();
        absent = a == null;
        return a == null ? 0 : a.size();
    }

    /**
     * The attributes of the .part file itself (a link at its name is not followed), or null if there
     * is none. Anything but a regular file of ours is refused: SPEC §4.7, never write through a link.
     */
    BasicFileAttributes attributes() throws DiskError {
        BasicFileAttributes a = attrs(path);
        if (a != null && !a.isRegularFile()) {
            throw refused(a.isSymbolicLink() ? "is a symbolic link" : a.isDirectory() ? "is a directory"
                    : "is not a regular file");
        }
        if (a != null && links(path) > 1) {
            throw refused("has other hard links");
        }
        return a;
    }

    private DiskError refused(String why) {
        return new DiskError(Outcome.of(Outcome.Kind.FETCH_ERROR,
                path + " " + why + "; not writing through it"));
    }

    private static BasicFileAttributes attrs(Path p) throws DiskError {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw DiskError.of(p, e);
        }
    }

    private static long links(Path p) {
        try {
            return ((Number) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return 1;
        }
    }

    /**
     * Opens the .part for writing without following a link at its name: created new (O_EXCL) when
     * there is none, else only if it is a regular file, and checked after opening to be the file that
     * was looked at. Opened for reading too, so a FIFO swapped in cannot block the open.
     */
    FileChannel open() throws DiskError {
        // A .part just seen absent is created with O_EXCL, which refuses anything that appeared since
        // (a link too): looking again would only cost a failed lookup (an exception) per file.
        BasicFileAttributes before = absent ? null : attributes();
        absent = false;
        FileChannel ch;
        try {
            ch = before == null
                    ? FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                            StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)
                    : FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (FileAlreadyExistsException e) {
            // what appeared at the name since the look is somebody else's, and the name with it:
            // nothing was written, so the record takes another
            BasicFileAttributes there = attrs(path);
            throw new DiskError(taken(there != null && there.isSymbolicLink() ? "is a symbolic link"
                    : "appeared while it was being created"));
        } catch (IOException e) {
            if (attrs(path) != null && attrs(path).isSymbolicLink()) {
                throw refused("is a symbolic link");
            }
            throw DiskError.of(path, e);
        }
        try {
            BasicFileAttributes after = attrs(path);
            // Other segments of the same file grow it meanwhile, so only the inode tells for them.
            boolean growing = segment != null && segment.ranged();
            if (after == null || !after.isRegularFile() || before != null && (!Objects.equals(before.fileKey(),
                    after.fileKey()) || !growing && ch.size() != before.size())) {
                throw refused("was replaced while it was being opened");
            }
            key = after.fileKey();
            return ch;
        } catch (DiskError | IOException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing
            }
            throw e instanceof DiskError d ? d : DiskError.of(path, (IOException) e);
        }
    }

    Path path() {
        return path;
    }

    /**
     * The .part opened again for writing with O_DIRECT, checked to be the file {@link #open} opened;
     * null where the file system (tmpfs) or the JDK refuses it, or anything else is off: the caller
     * then writes through the page cache.
     */
    FileChannel openDirect() {
        if (key == null) {
            return null;
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.WRITE, com.sun.nio.file.ExtendedOpenOption.DIRECT,
                    LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
        if (!stillOurs()) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // not used
            }
            return null;
        }
        return ch;
    }

    /** Fails the transfer when the .part (or its directory) was deleted or replaced since it was opened. */
    void checkStillThere() throws DiskError {
        if (!stillOurs()) {
            throw new DiskError(Outcome.of(Outcome.Kind.FETCH_ERROR,
                    "the .part file " + path + " was removed or replaced while downloading"));
        }
    }

    /** Whether the .part's name still holds the file this transfer opened (a link there is not followed). */
    private boolean stillOurs() {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return Objects.equals(a.fileKey(), key);
        } catch (IOException e) {
            return false;
        }
    }

    void checkFree() throws DiskError {
        try {
            long free = Files.getFileStore(path.getParent()).getUsableSpace();
            if (free < minFree) {
                throw new DiskError(Outcome.of(Outcome.Kind.QUOTA,
                        "free space " + free + " bytes is below the reserve of " + minFree));
            }
        } catch (IOException e) {
            // cannot tell; the write itself will report a full disk
        }
    }

    void truncate(long size) throws DiskError {
        try (FileChannel ch = open()) {
            ch.truncate(size);
        } catch (IOException e) {
            throw DiskError.of(path, e);
        }
    }

    void write(FileChannel ch, byte[] buf, int n, long position) throws DiskError {
        try {
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
            long at = position;
            while (bb.hasRemaining()) {
                at += ch.write(bb, at);
            }
        } catch (IOException e) {
            throw DiskError.of(path, e);
        }
    }

    void dropPartialChunk(FileChannel ch, long length) {
        try {
            ch.truncate(length);
        } catch (IOException e) {
            // the count is then off by what the failed write left; the next resume starts from the file's length
        }
    }

    void force(FileChannel ch) throws DiskError {
        try {
            ch.force(false);
        } catch (IOException e) {
            throw DiskError.of(path, e);
        }
    }

    /** The digests of the .part, one pass for all algorithms, as opened safely (the same checks as for writing). */
    Map<String, byte[]> hash(List<Digests.Expected> expected) throws DiskError {
        try (FileChannel ch = open()) {
            Map<String, MessageDigest> mds = new LinkedHashMap<>();
            for (Digests.Expected e : expected) {
                if (!mds.containsKey(e.algorithm())) {
                    mds.put(e.algorithm(), CryptoLibrary.digest(e.algorithm()));
                }
            }
            ByteBuffer buf = ByteBuffer.allocate(HASH_BUFFER);
            ch.position(0);
            while (ch.read(buf) != -1) {
                buf.flip();
                for (MessageDigest md : mds.values()) {
                    md.update(buf.duplicate());
                }
                buf.clear();
            }
            Map<String, byte[]> out = new LinkedHashMap<>();
            mds.forEach((k, md) -> out.put(k, md.digest()));
            return out;
        } catch (IOException e) {
            throw DiskError.of(path, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

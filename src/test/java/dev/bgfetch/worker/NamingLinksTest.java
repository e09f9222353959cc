package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §4.7 for names: a link at a name, even a dangling one, is taken; delivery never goes through one. */
class NamingLinksTest {
    @TempDir
    Path tmp;
    Path dir;
    Path elsewhere;

    @BeforeEach
    void dirs() throws IOException {
        dir = Files.createDirectories(tmp.resolve("dl"));
        elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    }

    @Test
    void aDanglingLinkAtTheNameOrItsPartMakesTheNameTaken() throws IOException {
        Files.createSymbolicLink(dir.resolve("a.mp3"), elsewhere.resolve("gone"));
        Files.createSymbolicLink(dir.resolve("a.1.mp3.part"), elsewhere.resolve("gone-too"));
        assertEquals(dir.resolve("a.2.mp3"), Naming.choose(dir, "a.mp3", Set.of()));
    }

    @Test
    void aPartThatIsALinkIsNeverDelivered() throws IOException {
        Path victim = Files.writeString(elsewhere.resolve("victim"), "not ours");
        Path part = Files.createSymbolicLink(dir.resolve("a.mp3.part"), victim);
        assertThrows(IOException.class, () -> Naming.deliver(part, dir.resolve("a.mp3"), Set.of()));
        assertFalse(Files.exists(dir.resolve("a.mp3"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("not ours", Files.readString(victim));
    }

    @Test
    void aLinkAtTheFinalNameIsNeitherReplacedNorWrittenThrough() throws IOException {
        Path gone = elsewhere.resolve("gone");
        Files.createSymbolicLink(dir.resolve("a.mp3"), gone);
        Path part = Files.writeString(dir.resolve("a.mp3.part"), "data");
        Path dest = Naming.deliver(part, dir.resolve("a.mp3"), Set.of());
        assertEquals(dir.resolve("a.1.mp3"), dest);
        assertEquals(gone, Files.readSymbolicLink(dir.resolve("a.mp3")));
        assertFalse(Files.exists(gone, LinkOption.NOFOLLOW_LINKS));
        assertEquals("data", Files.readString(dest));
    }

    @Test
    void aPartReplacedAfterTheDownloadIsNotDelivered() throws IOException {
        Path part = Files.writeString(dir.resolve("a.mp3.part"), "what was downloaded");
        Object key = Files.readAttributes(part, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        Path planted = Files.writeString(elsewhere.resolve("other"), "planted"); // made first: another inode
        Files.delete(part);
        Files.move(planted, part);
        assertThrows(IOException.class, () -> Naming.deliver(part, dir.resolve("a.mp3"), Set.of(), key));
        assertFalse(Files.exists(dir.resolve("a.mp3")));
        assertTrue(Files.exists(part), "left for the record's failure to clean up");
    }
}

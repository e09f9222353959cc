package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cheap lookup answers as {@code Files.exists(p, NOFOLLOW_LINKS)} does, dangling links included. */
class NamesOnDiskTest {
    @TempDir
    Path tmp;

    @Test
    void answersAsTheExactLookupForEveryKindOfEntry() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("dl"));
        Files.writeString(dir.resolve("file.bin"), "x");
        Files.createDirectory(dir.resolve("sub"));
        Files.createSymbolicLink(dir.resolve("dangling.bin"), tmp.resolve("gone"));
        Files.createSymbolicLink(dir.resolve("dangling.bin.part"), tmp.resolve("gone"));
        Files.createSymbolicLink(dir.resolve("link.bin"), dir.resolve("file.bin"));
        Files.createSymbolicLink(dir.resolve("Upper.bin"), tmp.resolve("gone"));
        Files.createSymbolicLink(dir.resolve("caf\u00e9.bin"), tmp.resolve("gone")); // é composed (NFC)
        NamesOnDisk onDisk = new NamesOnDisk();
        for (String name : List.of("file.bin", "sub", "dangling.bin", "dangling.bin.part", "link.bin", "Upper.bin",
                "upper.bin", "free.bin", "free.bin.part", "FILE.BIN", "caf\u00e9.bin", "cafe\u0301.bin", "CAF\u00c9.bin")) {
            Path p = dir.resolve(name);
            assertEquals(Files.exists(p, LinkOption.NOFOLLOW_LINKS), onDisk.exists(p), name);
        }
    }

    @Test
    void aDirectoryNotThereYetHoldsNothing() {
        assertFalse(new NamesOnDisk().exists(tmp.resolve("not-yet").resolve("a.bin")));
    }

    @Test
    void aFileMadeDuringTheBatchIsSeenAndADanglingLinkAfterTheNextListing() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("dl"));
        NamesOnDisk onDisk = new NamesOnDisk();
        assertFalse(onDisk.exists(dir.resolve("a.bin")));
        Files.writeString(dir.resolve("a.bin"), "x");
        assertTrue(onDisk.exists(dir.resolve("a.bin")), "a stat sees a file at once");
        Files.createSymbolicLink(dir.resolve("b.bin"), tmp.resolve("gone"));
        onDisk.forget();
        assertTrue(onDisk.exists(dir.resolve("b.bin")), "the next batch lists the directory again");
    }

    @Test
    void choosingWithItSkipsWhatTheExactLookupSkips() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("dl"));
        Files.createSymbolicLink(dir.resolve("a.mp3"), tmp.resolve("gone"));
        Files.createSymbolicLink(dir.resolve("a.1.mp3.part"), tmp.resolve("gone-too"));
        Files.writeString(dir.resolve("a.2.mp3"), "old");
        NamesOnDisk onDisk = new NamesOnDisk();
        assertEquals(dir.resolve("a.3.mp3"), Naming.choose(dir, "a.mp3", Set.of(), p -> false, onDisk::exists));
        assertEquals(Naming.choose(dir, "a.mp3", Set.of()), Naming.choose(dir, "a.mp3", Set.of(), p -> false, onDisk::exists));
    }
}

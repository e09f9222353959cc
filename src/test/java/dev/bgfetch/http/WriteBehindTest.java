package dev.bgfetch.http;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteBehindTest {
    @TempDir
    Path dir;

    @Test
    void aFlushStartsOnlyAfterEveryThresholdOfBytesAndCollapsesWhileQueued() throws Exception {
        try (FileChannel ch = FileChannel.open(dir.resolve("a.part"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[4096]));
            WriteBehind wb = new WriteBehind(ch);
            long before = WriteBehind.DONE.get();
            wb.wrote((int) (WriteBehind.EVERY - 1));
            Thread.sleep(200);
            assertEquals(before, WriteBehind.DONE.get(), "no flush before EVERY bytes");
            wb.wrote(1);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (WriteBehind.DONE.get() == before && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(before + 1, WriteBehind.DONE.get(), "one flush after EVERY bytes");
        }
    }

    @Test
    void aChannelClosedUnderAQueuedFlushEndsItQuietly() throws Exception {
        FileChannel ch = FileChannel.open(dir.resolve("b.part"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        WriteBehind wb = new WriteBehind(ch);
        ch.close();
        assertDoesNotThrow(() -> wb.wrote((int) WriteBehind.EVERY));
        // the flusher is still usable afterwards
        try (FileChannel ch2 = FileChannel.open(dir.resolve("c.part"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            long before = WriteBehind.DONE.get();
            new WriteBehind(ch2).wrote((int) WriteBehind.EVERY);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (WriteBehind.DONE.get() == before && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(WriteBehind.DONE.get() > before);
        }
        assertTrue(Files.exists(dir.resolve("b.part")));
    }
}

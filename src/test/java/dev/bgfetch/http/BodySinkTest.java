package dev.bgfetch.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.support.TestServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large bodies written with O_DIRECT (BodySink) land byte for byte: an unaligned resume point, an
 * unaligned end, a connection cut mid-block, a slow link.
 * A real server on 127.0.0.1 and real files (the temp directory, on the machine's disk).
 */
class BodySinkTest {
    @TempDir
    Path tmp;
    TestServer server;
    HttpEngine engine;
    /** Neither a multiple of the alignment nor of a block. */
    final byte[] body = TestServer.randomBytes(9 * 1024 * 1024 + 4321, 5);

    @BeforeEach
    void start() {
        server = TestServer.start();
        server.file("/f.bin", body);
        engine = new HttpEngine(4, 4, Duration.ofSeconds(5), Duration.ofSeconds(2), "bgfetch-test");
    }

    @AfterEach
    void stop() throws IOException {
        engine.close();
        server.close();
    }

    Transfer.Spec job(Path part) {
        Transfer.Spec j = new Transfer.Spec();
        j.url = URI.create(server.url("/f.bin"));
        j.part = part;
        return j;
    }

    @Test
    void aLargeBodyIsReadStraightIntoTheBlockGoesDirectAndLandsWhole() throws IOException {
        long before = BodySink.DIRECT_BYTES.get();
        long readBefore = DirectReads.BYTES.get();
        Transfer.Spec j = job(tmp.resolve("f.part"));
        Outcome o = new Transfer(engine, j, new TransferTest.Listener()).run();
        assertEquals(Outcome.Kind.COMPLETE, o.kind, o.toString());
        assertArrayEquals(body, Files.readAllBytes(j.part));
        long direct = BodySink.DIRECT_BYTES.get() - before;
        assertTrue(direct >= body.length - BodySink.ALIGN && direct % BodySink.ALIGN == 0,
                "all but the unaligned tail went direct: " + direct);
        long read = DirectReads.BYTES.get() - readBefore;
        // not all: what came with the headers, and a read that found no data yet, go through the array
        assertTrue(read > body.length / 2 && read <= body.length, "read from the socket with no copy: " + read);
    }

    @Test
    void bytesReadDirectPastASegmentsNewEndAreDroppedNotWritten() throws Exception {
        // fast up to the stall, split during it, fast again after it: the reads that cross the new
        // end go straight into the block, and what lies past the end must leave it again
        long stallAt = 2 * 1024 * 1024 + 100;
        server.stallAfter("/f.bin", stallAt, 800, 1); // within the engine's 2 s stall timeout
        Transfer.Spec j = job(tmp.resolve("f.part"));
        j.segment = Segment.first();
        Transfer t = new Transfer(engine, j, new TransferTest.Listener());
        java.util.concurrent.CompletableFuture<Outcome> run = java.util.concurrent.CompletableFuture.supplyAsync(t::run);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while ((j.segment.end() == Long.MAX_VALUE || j.segment.unclaimed() > body.length - stallAt)
                && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        long before = DirectReads.BYTES.get();
        Segment upper = j.segment.split(1); // another connection takes the upper half of the rest
        org.junit.jupiter.api.Assertions.assertNotNull(upper);
        long end = j.segment.end();
        Outcome o = run.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(Outcome.Kind.SEGMENT_DONE, o.kind, o.toString());
        assertTrue(end % BodySink.ALIGN != 0, "the end falls inside a block: " + end);
        assertEquals(end, j.segment.done());
        assertEquals(end, Files.size(j.part), "nothing past the segment's end reached the file");
        assertArrayEquals(Arrays.copyOf(body, (int) end), Files.readAllBytes(j.part));
        assertTrue(DirectReads.BYTES.get() - before > 0, "the reads after the stall went direct");
    }

    @Test
    void aStallInADirectlyReadBodyIsStillCutByTheStallTimeoutAndResumed() throws IOException {
        long stallAt = 5 * 1024 * 1024 + 123;
        server.stallAfter("/f.bin", stallAt, 6000, 1); // longer than the engine's 2 s stall timeout
        Transfer.Spec j = job(tmp.resolve("f.part"));
        long before = DirectReads.BYTES.get();
        Outcome first = new Transfer(engine, j, new TransferTest.Listener()).run();
        // a channel's read cannot time out: waiting in one would have outlasted the stall and completed
        assertEquals(Outcome.Kind.NETWORK, first.kind, first.toString());
        assertTrue(DirectReads.BYTES.get() - before > 0, "the bytes before the stall were read direct");
        assertEquals(stallAt, Files.size(j.part), "every byte before the stall is kept");
        Outcome second = new Transfer(engine, j, new TransferTest.Listener()).run();
        assertEquals(Outcome.Kind.COMPLETE, second.kind, second.toString());
        assertArrayEquals(body, Files.readAllBytes(j.part));
    }

    @Test
    void aResumeAtAnUnalignedOffsetWritesItsHeadThroughThePageCacheAndTheRestDirect() throws IOException {
        int have = 100_001;
        Transfer.Spec j = job(tmp.resolve("f.part"));
        Files.write(j.part, Arrays.copyOf(body, have));
        j.etag = server.etag("/f.bin");
        j.knownTotal = body.length;
        long before = BodySink.DIRECT_BYTES.get();
        Outcome o = new Transfer(engine, j, new TransferTest.Listener()).run();
        assertEquals(Outcome.Kind.COMPLETE, o.kind, o.toString());
        assertEquals("bytes=" + have + "-", server.requests("/f.bin").get(0).header("Range"));
        assertArrayEquals(body, Files.readAllBytes(j.part));
        assertTrue(BodySink.DIRECT_BYTES.get() - before > body.length - have - BodySink.BLOCK);
    }

    @Test
    void aConnectionCutMidBlockKeepsEveryByteThatArrivedAndResumesFromThere() throws IOException {
        long cutAt = 5 * 1024 * 1024 + 777; // inside a block the sink still holds
        server.dropAfter("/f.bin", cutAt, 1);
        Transfer.Spec j = job(tmp.resolve("f.part"));
        TransferTest.Listener l = new TransferTest.Listener();
        Outcome first = new Transfer(engine, j, l).run();
        assertEquals(Outcome.Kind.NETWORK, first.kind, first.toString());
        assertEquals(cutAt, Files.size(j.part), "what the sink held landed before the failure was reported");
        assertEquals(cutAt, l.reserved.get() - l.dropped);
        Outcome second = new Transfer(engine, j, new TransferTest.Listener()).run();
        assertEquals(Outcome.Kind.COMPLETE, second.kind, second.toString());
        assertArrayEquals(body, Files.readAllBytes(j.part));
    }

    @Test
    void onASlowLinkHeldBytesLandWhileTheBodyStillArrives() throws Exception {
        server.throttle("/f.bin", 256 * 1024);
        Transfer.Spec j = job(tmp.resolve("f.part"));
        Transfer t = new Transfer(engine, j, new TransferTest.Listener());
        Thread run = new Thread(t::run);
        run.start();
        try {
            // 256 KiB/s fills a 512 KiB block in 2 s: growing four times within 1.5 s is the 250 ms landing
            long deadline = System.nanoTime() + 1_500_000_000L;
            long seen = 0;
            int steps = 0;
            while (System.nanoTime() < deadline && steps < 4) {
                long size = Files.exists(j.part) ? Files.size(j.part) : 0;
                if (size > seen) {
                    steps++;
                    seen = size;
                }
                Thread.sleep(20);
            }
            assertTrue(steps >= 4, "the .part grew " + steps + " times in 1.5 s");
        } finally {
            t.cancel();
            run.join(10_000);
        }
    }

    @Test
    void aFullBlockIsWrittenInTheBackgroundAndCountsOnlyOnceItLanded() throws Exception {
        PartFile part = new PartFile(tmp.resolve("bg.part"), null, 0);
        part.length();
        byte[] first = Arrays.copyOf(body, BodySink.BLOCK);
        byte[] next = Arrays.copyOfRange(body, BodySink.BLOCK, 2 * BodySink.BLOCK + 1000);
        long before = BodySink.BACKGROUND_BYTES.get();
        try (java.nio.channels.FileChannel ch = part.open();
                BodySink sink = BodySink.open(part, ch, 0, 64L << 20, true)) {
            assertTrue(sink.direct());
            // before: the reading thread wrote the block itself and it counted at once
            assertEquals(0, sink.write(first, first.length), "handed to a writer, not landed yet");
            // the next block fills meanwhile; when it is full the first has landed, and it goes in turn
            assertEquals(BodySink.BLOCK, sink.write(next, next.length));
            assertEquals(BodySink.BLOCK + 1000, sink.land(), "the second block and the unaligned rest");
            assertEquals(0, sink.land());
        }
        assertEquals(2L * BodySink.BLOCK, BodySink.BACKGROUND_BYTES.get() - before);
        assertArrayEquals(Arrays.copyOf(body, 2 * BodySink.BLOCK + 1000), Files.readAllBytes(part.path()));
    }

    @Test
    void afterADiskErrorEverythingTakenSinceTheLastReportIsLostAndCountedSo() throws Exception {
        // /dev/full as the ordinary channel: its writes fail with ENOSPC, the direct ones to the .part do not
        Path full = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(full), "needs /dev/full");
        PartFile part = new PartFile(tmp.resolve("x.part"), null, 0);
        part.length();
        try (java.nio.channels.FileChannel real = part.open();
                java.nio.channels.FileChannel enospc = java.nio.channels.FileChannel.open(full,
                        java.nio.file.StandardOpenOption.WRITE);
                BodySink sink = BodySink.open(part, enospc, 0, 64L << 20, true)) {
            assertTrue(sink.direct());
            byte[] b = new byte[300_000];
            assertEquals(0, sink.write(b, b.length), "held");
            assertEquals(0, sink.write(b, b.length), "a full block in the background: not landed yet");
            // the background block and the aligned part of the rest land direct, the last 1984 bytes
            // fail in the page cache: nothing was reported, so all of it is lost and counted so
            org.junit.jupiter.api.Assertions.assertThrows(DiskError.class, sink::land);
            assertEquals(2 * b.length, sink.discard(), "taken since the last report");
            assertEquals(0, sink.discard());
        }
        try (java.nio.channels.FileChannel enospc = java.nio.channels.FileChannel.open(full,
                java.nio.file.StandardOpenOption.WRITE);
                BodySink sink = BodySink.open(part, enospc, 100, 64L << 20, true)) {
            // an unaligned start: the head goes through the page cache first, and fails
            org.junit.jupiter.api.Assertions.assertThrows(DiskError.class, () -> sink.write(new byte[5000], 5000));
            assertEquals(5000, sink.discard());
        }
    }
}

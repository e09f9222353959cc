package dev.bgfetch.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.support.TestServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §4.7 for one transfer: the .part is opened without following a link, only a regular file of
 * its own is written or hashed, and a .part removed while the body flows fails at once.
 */
class PartFileTest {
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    TestServer server;
    HttpEngine engine;
    final byte[] body = TestServer.randomBytes(300_000, 17);
    Path part;
    Path outside;

    @BeforeEach
    void start() throws IOException {
        server = TestServer.start();
        server.file("/f.bin", body);
        engine = new HttpEngine(4, 4, Duration.ofSeconds(5), Duration.ofSeconds(2), "bgfetch-test");
        part = Files.createDirectories(tmp.resolve("dl")).resolve("f.bin.part");
        outside = Files.createDirectories(tmp.resolve("elsewhere")).resolve("victim");
    }

    @AfterEach
    void stop() throws IOException {
        engine.close();
        server.close();
    }

    Transfer.Spec job() {
        Transfer.Spec j = new Transfer.Spec();
        j.url = URI.create(server.url("/f.bin"));
        j.part = part;
        return j;
    }

    /** A job that looks resumable: the validators and total of the server's file. */
    Transfer.Spec resumable() {
        Transfer.Spec j = job();
        j.etag = server.etag("/f.bin");
        j.knownTotal = body.length;
        return j;
    }

    Outcome run(Transfer.Spec j) {
        return assertTimeoutPreemptively(T, () -> new Transfer(engine, j, new TransferTest.Listener()).run());
    }

    @Test
    void aDanglingLinkAtThePartIsNotFollowed() throws IOException {
        Files.createSymbolicLink(part, outside);
        Outcome o = run(job());
        assertEquals(Outcome.Kind.NAME_TAKEN, o.kind, o.toString()); // the worker names the record afresh
        assertTrue(o.message.contains("symbolic link"), o.message);
        assertFalse(Files.exists(outside), "nothing created through the link");
        assertTrue(Files.isSymbolicLink(part), "the link itself is left alone");
    }

    @Test
    void aLinkToAnExistingFileIsNeitherResumedIntoNorHashed() throws IOException {
        byte[] precious = Arrays.copyOf(body, 100_000); // looks like a resumable prefix
        Files.write(outside, precious);
        Files.createSymbolicLink(part, outside);
        Transfer.Spec j = resumable();
        j.checksum = "sha-256=" + TestServer.sha256(body);
        Outcome o = run(j);
        assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
        assertArrayEquals(precious, Files.readAllBytes(outside), "the link's target is untouched");
        assertTrue(server.requests("/f.bin").isEmpty(), "refused before asking the server");
    }

    @Test
    void aFifoOrADirectoryAtThePartIsRefusedWithoutBlocking() throws Exception {
        Process mkfifo = new ProcessBuilder("mkfifo", part.toString()).start();
        assertEquals(0, mkfifo.waitFor());
        Outcome o = run(job());
        assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
        assertTrue(o.message.contains("not a regular file"), o.message);
        Files.delete(part);

        Files.createDirectory(part);
        o = run(job());
        assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
        assertTrue(o.message.contains("is a directory"), o.message);
    }

    @Test
    void aPartWithAnotherHardLinkIsRefused() throws IOException {
        byte[] precious = Arrays.copyOf(body, 100_000);
        Files.write(outside, precious);
        Files.createLink(part, outside);
        Outcome o = run(resumable());
        assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
        assertArrayEquals(precious, Files.readAllBytes(outside));
    }

    @Test
    void aRegularPartIsStillResumedAndItsIdentityReported() throws IOException {
        Files.write(part, Arrays.copyOf(body, 100_000));
        Transfer.Spec j = resumable();
        j.checksum = "sha-256=" + TestServer.sha256(body);
        Transfer t = new Transfer(engine, j, new TransferTest.Listener());
        Outcome o = t.run();
        assertEquals(Outcome.Kind.COMPLETE, o.kind, o.toString());
        assertArrayEquals(body, Files.readAllBytes(part));
        assertEquals(Files.readAttributes(part, java.nio.file.attribute.BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS).fileKey(), t.partKey());
    }

    @Test
    void aPartRemovedMidBodyFailsBeforeTheBodyEnds() throws Exception {
        byte[] big = TestServer.randomBytes(2_000_000, 18);
        server.file("/f.bin", big);
        server.throttle("/f.bin", 400_000);
        TransferTest.Listener l = new TransferTest.Listener();
        Transfer t = new Transfer(engine, job(), l);
        java.util.concurrent.CompletableFuture<Outcome> run = java.util.concurrent.CompletableFuture.supplyAsync(t::run);
        long end = System.nanoTime() + T.toNanos();
        while (l.reserved.get() < 100_000 && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        Files.delete(part);
        // The body would last 5 s: the failure comes without reading (or waiting for) the rest of it.
        Outcome o = run.get(3, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
        assertTrue(o.message.contains("was removed"), o.message);
        assertTrue(l.reserved.get() < big.length / 2, "noticed at the next check, not at the end: "
                + l.reserved.get());
        assertFalse(Files.exists(part, LinkOption.NOFOLLOW_LINKS), "not created again");
    }
}

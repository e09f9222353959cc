package dev.bgfetch.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.support.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;

/** The socket under TLS: a reader asking for a record at a time gets it from one large kernel read, on a real loopback socket. */
class ChunkedSocketTest {

    /** A server on 127.0.0.1 that writes {@code body} to its first client and then closes (or stays silent if null). */
    private static ServerSocket serve(byte[] body, Thread[] writer) throws Exception {
        ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        writer[0] = new Thread(() -> {
            try (Socket s = ss.accept(); OutputStream out = s.getOutputStream()) {
                if (body == null) {
                    Thread.sleep(5000);
                    return;
                }
                out.write(body);
            } catch (Exception e) {
                // the test sees what arrived
            }
        });
        writer[0].start();
        return ss;
    }

    @Test
    void recordSizedReadsOfDataAlreadyWaitingTakeOneKernelReadPerChunk() throws Exception {
        byte[] body = TestServer.randomBytes(192 * 1024, 3);
        Thread[] w = new Thread[1];
        try (ServerSocket ss = serve(body, w); Socket s = new ChunkedSocket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()));
            w[0].join(10_000); // all of it is in the kernel's buffers before the first read
            InputStream in = s.getInputStream();
            assertTrue(in == s.getInputStream(), "one stream for the socket's life");
            long before = ChunkedSocket.READS.get();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] record = new byte[16406]; // what Conscrypt's engine socket asks for
            int n;
            while ((n = in.read(record, 0, record.length)) > 0) {
                got.write(record, 0, n);
            }
            assertArrayEquals(body, got.toByteArray());
            long reads = ChunkedSocket.READS.get() - before;
            // 192 KiB in 64 KiB reads (the last one finds the end): 12 record-sized reads without the chunks
            assertTrue(reads <= 5, "kernel reads: " + reads);
        }
    }

    @Test
    void byteReadsSkipsAndTheEndWorkAsOnTheSocketItself() throws Exception {
        byte[] body = TestServer.randomBytes(100_000, 4);
        Thread[] w = new Thread[1];
        try (ServerSocket ss = serve(body, w); Socket s = new ChunkedSocket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()));
            InputStream in = s.getInputStream();
            assertEquals(body[0] & 0xff, in.read());
            assertEquals(9, in.skip(9));
            byte[] rest = in.readAllBytes();
            assertEquals(body.length - 10, rest.length);
            assertEquals(body[10], rest[0]);
            assertEquals(body[body.length - 1], rest[rest.length - 1]);
            assertEquals(-1, in.read());
        }
    }

    @Test
    void aSilentServerStillTimesOut() throws Exception {
        Thread[] w = new Thread[1];
        try (ServerSocket ss = serve(null, w); Socket s = new ChunkedSocket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()));
            s.setSoTimeout(200);
            assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read(new byte[100], 0, 100));
        }
    }
}

package dev.bgfetch.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.Test;

/** The socket stream that reads a body straight into the sink's block: real sockets on 127.0.0.1. */
class DirectReadsTest {
    @Test
    void aReadThatFindsNothingWaitingAsksForLittleAndWaitingBytesGoStraightIntoTheRoom() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                SocketChannel client = SocketChannel.open(server.getLocalAddress());
                SocketChannel peer = server.accept()) {
            Socket s = client.socket();
            s.setSoTimeout(5000);
            DirectReads.ChannelInput in = new DirectReads.ChannelInput(s.getInputStream(), client);
            byte[] scratch = new byte[256 * 1024];
            DirectReads.Reader reader = new DirectReads.Reader(scratch);
            ByteBuffer room = ByteBuffer.allocateDirect(512 * 1024);
            Thread later = new Thread(() -> {
                try {
                    Thread.sleep(200);
                    ByteBuffer b = ByteBuffer.allocate(200_000);
                    while (b.hasRemaining()) {
                        peer.write(b);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            later.start();
            // Nothing waiting when it asks: a blocking read of at most a little, into the array. A
            // read as long as asked made the JDK keep a temporary direct buffer that long per thread.
            int n = reader.read(in, scratch.length, room);
            assertTrue(n > 0 && n <= DirectReads.WAITING_READ, "read " + n);
            assertFalse(reader.inRoom());
            assertEquals(0, room.position());
            later.join();
            Thread.sleep(50);
            // bytes waiting: straight into the room, as many as are there
            int m = reader.read(in, scratch.length, room);
            assertTrue(reader.inRoom());
            assertEquals(m, room.position());
            assertTrue(m > DirectReads.WAITING_READ, "read " + m);
        }
    }
}

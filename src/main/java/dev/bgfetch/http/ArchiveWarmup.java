package dev.bgfetch.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.core5.http.ClassicHttpResponse;

/**
 * Loads the classes of an https request into a worker whose exit is about to write its class-data
 * archive (the launcher says so with {@code bgfetch.archive=dump}): a handshake with a loopback
 * socket of its own that hangs up after the ClientHello, and a certificate check by the JDK's trust.
 *
 * <p>Why: the archive is made once per build and Java, by the first worker, out of the classes that
 * worker loaded. One made by a worker that fetched only http:// URLs left every later https fetch
 * loading the TLS stack (about 700 classes) from the jars: a fresh worker's first 64 KiB https file
 * took 383 ms from pick-up to success, against 277 with an archive that had them (8 alternations).
 */
public final class ArchiveWarmup {
    private ArchiveWarmup() {
    }

    /** Nothing it meets is an error: it only loads classes, quickly, on loopback. */
    public static void httpsClasses() {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                HttpEngine engine = new HttpEngine(1, 1, Duration.ofSeconds(2), Duration.ofSeconds(2), "bgfetch")) {
            Thread peer = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(2000);
                    s.getInputStream().read(new byte[4096]); // the ClientHello; closing fails the handshake
                } catch (IOException e) {
                    // the client gave up first
                }
            }, "bgfetch-archive-warmup");
            peer.setDaemon(true);
            peer.start();
            HttpGet get = new HttpGet("https://127.0.0.1:" + server.getLocalPort() + "/");
            try (ClassicHttpResponse r = engine.client().executeOpen(null, get, null)) {
                r.getCode();
            } catch (IOException expected) {
                // the handshake fails, as meant
            }
            X509ExtendedTrustManager jdk = Trust.jdkTrust();
            X509Certificate[] roots = jdk.getAcceptedIssuers();
            if (roots.length > 0) {
                try {
                    jdk.checkServerTrusted(new X509Certificate[] {roots[0]}, "RSA");
                } catch (CertificateException e) {
                    // a root alone may or may not pass; its path was built either way
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException | LinkageError e) {
            // a warm-up only: the archive is written without what it could not load
        }
    }
}

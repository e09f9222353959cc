package dev.bgfetch.http;

import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import javax.net.ssl.SSLContext;
import org.conscrypt.Conscrypt;

/**
 * Where the worker's TLS contexts come from: Conscrypt (BoringSSL) when its native library loads on
 * this machine, else the JDK. On the benchmark's 1 GiB over TLS 1.3 AES-GCM the JDK 17 spent 4.2-4.7 s
 * of CPU and BoringSSL 2.5-2.9 s (bench/RESULTS.md); {@code -Dbgfetch.tls=jdk} keeps the JDK's.
 * Trust stays the JDK's in both cases (the trust managers are always the JDK's own).
 */
final class TlsProvider {
    /** The system property that picks the JDK's TLS even where Conscrypt loads. */
    static final String PROPERTY = "bgfetch.tls";

    private TlsProvider() {
    }

    /** A new, uninitialised TLS context of the provider in use. */
    static SSLContext newContext() throws NoSuchAlgorithmException {
        Provider p = Loaded.CONSCRYPT;
        return p == null ? SSLContext.getInstance("TLS") : SSLContext.getInstance("TLS", p);
    }

    /** "BoringSSL (Conscrypt)" or "the JDK's", for the worker's log. */
    static String name() {
        return Loaded.CONSCRYPT == null ? "the JDK's" : "BoringSSL (Conscrypt)";
    }

    /** Loaded at the first TLS connection, not at class loading of the engine: http-only workers never pay for it. */
    private static final class Loaded {
        static final Provider CONSCRYPT = load();

        private static Provider load() {
            if ("jdk".equals(System.getProperty(PROPERTY))) {
                return null;
            }
            try {
                return Conscrypt.isAvailable() ? Conscrypt.newProvider() : null;
            } catch (LinkageError | RuntimeException e) {
                // no native library for this platform, or none could be unpacked (a full or noexec tmpdir)
                return null;
            }
        }
    }
}

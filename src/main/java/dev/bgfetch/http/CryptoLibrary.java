package dev.bgfetch.http;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.conscrypt.Conscrypt;

/**
 * Which library does the worker's cryptography, TLS and the digests of downloaded files: BoringSSL
 * (Conscrypt) where its native library loads on this machine, else the JDK's own. On the benchmark's
 * 1 GiB over TLS 1.3 AES-GCM the JDK 17 spent 4.2-4.7 s of CPU and BoringSSL 2.5-2.9 s
 * (bench/RESULTS.md); {@code -Dbgfetch.tls=jdk} keeps the JDK's. Trust stays the JDK's in both cases
 * (the trust managers are always the JDK's own).
 *
 * <p>Digests: a worker that C2 compiles has the JDK's SHA-256 intrinsic (~1 s of CPU a GiB), the
 * fastest there is here; a worker on C1 only (see {@code bin/bgfetch}) has none (~16 s a GiB), and
 * takes BoringSSL's instead (~4.5 s a GiB: this build of it has no SHA instructions for SHA-256).
 */
public final class CryptoLibrary {
    /** The system property that picks the JDK's TLS even where Conscrypt loads. */
    static final String PROPERTY = "bgfetch.tls";
    /** Set to {@code c1} by {@code bin/bgfetch} when the worker runs on C1 only, counting on BoringSSL. */
    static final String JIT_PROPERTY = "bgfetch.jit";

    private static volatile Consumer<String> report = m -> { };

    private CryptoLibrary() {
    }

    /** A new TLS context of the provider in use, checking servers with {@code trust} (one of the JDK's). */
    static SSLContext context(X509ExtendedTrustManager trust) throws GeneralSecurityException {
        Provider p = Loaded.CONSCRYPT;
        SSLContext c = p == null ? SSLContext.getInstance("TLS") : SSLContext.getInstance("TLS", p);
        c.init(null, new TrustManager[] {p == null ? trust : new Tls13AuthType(trust)}, null);
        return c;
    }

    /**
     * Hands the JDK's trust manager the key-exchange name it expects for TLS 1.3. BoringSSL calls
     * it "GENERIC", the JDK "UNKNOWN", and the JDK's trust manager refuses a CA-signed server
     * certificate for a key exchange it does not know ("Unknown authType: GENERIC"), which failed
     * every TLS 1.3 server but those whose certificate is itself the trusted one.
     */
    static final class Tls13AuthType extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager jdk;

        Tls13AuthType(X509ExtendedTrustManager jdk) {
            this.jdk = jdk;
        }

        static String jdkName(String authType) {
            return "GENERIC".equals(authType) ? "UNKNOWN" : authType;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            jdk.checkServerTrusted(chain, jdkName(authType), socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            jdk.checkServerTrusted(chain, jdkName(authType), engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            jdk.checkServerTrusted(chain, jdkName(authType));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            jdk.checkClientTrusted(chain, jdkName(authType), socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            jdk.checkClientTrusted(chain, jdkName(authType), engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            jdk.checkClientTrusted(chain, jdkName(authType));
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return jdk.getAcceptedIssuers();
        }
    }

    /**
     * A fresh digest of {@code algorithm} ("SHA-256", "SHA-512"): BoringSSL's on a worker on C1 only
     * (where it loads), the JDK's otherwise.
     */
    static MessageDigest digest(String algorithm) throws NoSuchAlgorithmException {
        Provider p = onC1Only() ? Loaded.CONSCRYPT : null;
        if (p != null) {
            try {
                return MessageDigest.getInstance(algorithm, p);
            } catch (NoSuchAlgorithmException e) {
                // one BoringSSL lacks: the JDK's
            }
        }
        return MessageDigest.getInstance(algorithm);
    }

    /** Whether bin/bgfetch started this worker on C1 only ({@code -Dbgfetch.jit=c1}). */
    static boolean onC1Only() {
        return "c1".equals(System.getProperty(JIT_PROPERTY));
    }

    /** "BoringSSL (Conscrypt)" or "the JDK's". */
    static String name() {
        return Loaded.CONSCRYPT == null ? "the JDK's" : "BoringSSL (Conscrypt)";
    }

    /**
     * Where to say, once, which library this process uses, when its first TLS connection or digest
     * loads it (the worker's log): a user's TLS trouble reads differently with each, and the JDK's on
     * a worker on C1 only costs several times the CPU.
     */
    public static void reportTo(Consumer<String> to) {
        report = to;
    }

    /** What a worker on C1 only that expected BoringSSL is told when the JDK's crypto serves instead. */
    static String onC1Advice() {
        return onC1Only()
                ? "; this worker runs on C1 only, where the JDK's TLS and SHA-256 cost several times the CPU:"
                        + " BGFETCH_WORKER_JIT=tiers gives it C2 for them"
                : "";
    }

    /** Loaded at the first TLS connection (or digest on C1), not at class loading: other workers never pay for it. */
    private static final class Loaded {
        static final Provider CONSCRYPT = load();

        private static Provider load() {
            if ("jdk".equals(System.getProperty(PROPERTY))) {
                report.accept("TLS through the JDK's own (-D" + PROPERTY + "=jdk)");
                return null;
            }
            try {
                if (Conscrypt.isAvailable()) {
                    Provider p = Conscrypt.newProvider();
                    report.accept("TLS" + (onC1Only() ? " and digests" : "") + " through BoringSSL (Conscrypt "
                            + Conscrypt.version().major() + "." + Conscrypt.version().minor() + "."
                            + Conscrypt.version().patch() + ")");
                    return p;
                }
                report.accept("TLS through the JDK's own (Conscrypt's native library did not load)" + onC1Advice());
                return null;
            } catch (LinkageError | RuntimeException e) {
                // no native library for this platform, or none could be unpacked (a full or noexec tmpdir)
                report.accept("TLS through the JDK's own (Conscrypt: " + e + ")" + onC1Advice());
                return null;
            }
        }
    }
}

package dev.bgfetch.support;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate made by the JDK's real {@code keytool} in a temp keystore, and a real
 * HTTPS server on 127.0.0.1 that presents it.
 */
public final class SelfSignedTls {
    private static final char[] PASSWORD = "changeit".toCharArray();
    private final Path keystore;

    /** The alias whose certificate a client is given to trust: the server's own, or its CA's. */
    private final String trustAlias;

    private SelfSignedTls(Path keystore) {
        this(keystore, "test");
    }

    private SelfSignedTls(Path keystore, String trustAlias) {
        this.keystore = keystore;
        this.trustAlias = trustAlias;
    }

    /**
     * A server certificate for {@code san} signed by a CA of its own (keytool -gencert), as real
     * servers have: {@link #pem} exports the CA's certificate, not the server's. The keystore holds
     * the server's key with its chain and the CA's certificate as a trusted entry.
     */
    public static SelfSignedTls caSigned(Path dir, String san) throws IOException, InterruptedException {
        String tag = san.replaceAll("\\W", "_");
        Path caKs = dir.resolve("ca-" + tag + ".p12");
        Path ks = dir.resolve("leaf-" + tag + ".p12");
        Path caPem = dir.resolve("ca-" + tag + ".pem");
        Path csr = dir.resolve("leaf-" + tag + ".csr");
        Path leafPem = dir.resolve("leaf-" + tag + ".pem");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=bgfetch test CA",
                "-ext", "bc:c", "-validity", "2", "-keystore", caKs.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", caKs.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-file", caPem.toString());
        keytool("-genkeypair", "-alias", "test", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=bgfetch test",
                "-validity", "2", "-keystore", ks.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit");
        keytool("-certreq", "-alias", "test", "-keystore", ks.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-file", csr.toString());
        keytool("-gencert", "-alias", "ca", "-keystore", caKs.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                "-ext", "SAN=" + san, "-validity", "2", "-rfc", "-infile", csr.toString(), "-outfile", leafPem.toString());
        keytool("-importcert", "-noprompt", "-alias", "ca", "-keystore", ks.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-file", caPem.toString());
        keytool("-importcert", "-alias", "test", "-keystore", ks.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-file", leafPem.toString());
        return new SelfSignedTls(ks, "ca");
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(keytool.toString()));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + out);
        }
    }

    /** Runs {@code keytool -genkeypair} for a certificate valid for {@code san} (e.g. {@code dns:localhost}). */
    public static SelfSignedTls create(Path dir, String san) throws IOException, InterruptedException {
        Path ks = dir.resolve("tls-" + san.replaceAll("\\W", "_") + ".p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "test", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=bgfetch test", "-ext", "SAN=" + san, "-validity", "2",
                "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.exists(ks)) {
            throw new IOException("keytool failed: " + out);
        }
        return new SelfSignedTls(ks);
    }

    /** A context that trusts this certificate only. */
    public SSLContext trusting() throws IOException, GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load());
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, tmf.getTrustManagers(), null);
        return c;
    }

    /** A server-side context presenting this certificate (its chain), for a hand-made TLS server. */
    public SSLContext serverContext() throws IOException, GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(), PASSWORD);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(kmf.getKeyManagers(), null, null);
        return c;
    }

    /** An HTTPS server on 127.0.0.1 answering every request with 200 and {@code body}. */
    public HttpsServer serve(byte[] body) throws IOException, GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(), PASSWORD);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(kmf.getKeyManagers(), null, null);
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 10);
        s.setHttpsConfigurator(new HttpsConfigurator(c));
        s.createContext("/", ex -> {
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.start();
        return s;
    }

    private KeyStore load() throws IOException, GeneralSecurityException {
        KeyStore k = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            k.load(in, PASSWORD);
        }
        return k;
    }

    /** The certificate as a PEM file (keytool -exportcert -rfc), as a user would pass it to --cacert. */
    public Path pem(Path out) throws IOException, InterruptedException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-exportcert", "-rfc", "-alias", trustAlias, "-keystore",
                keystore.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-file", out.toString())
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.exists(out)) {
            throw new IOException("keytool -exportcert failed: " + text);
        }
        return out;
    }
}

package dev.bgfetch.http;

import dev.bgfetch.state.IoReason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The certificates a TLS server may present: the JDK's default trust plus, when given, the CA
 * certificates of a PEM bundle (as curl's {@code --cacert} adds to nothing but wget's
 * {@code --ca-certificate} adds to the system's: bgfetch adds, so public sites keep working).
 */
public final class Trust {
    private Trust() {
    }

    /** Thrown for a CA file that cannot be used; the message is one line for the user. */
    public static final class BadCaFile extends Exception {
        BadCaFile(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * An SSL context trusting the defaults, the certificates of {@code settingPem} (null: none) and
     * those of a fetch's own {@code --ca-certificate}, kept as PEM text in its options.
     */
    public static SSLContext withExtraCa(Path settingPem, String fetchPem) throws BadCaFile {
        List<X509Certificate> all = new ArrayList<>(settingPem == null ? List.of() : read(settingPem));
        all.addAll(parse(new ByteArrayInputStream(fetchPem.getBytes(StandardCharsets.US_ASCII)), "--ca-certificate"));
        return context(all, "--ca-certificate");
    }

    /**
     * The text of a PEM bundle for {@code --ca-certificate}, checked to hold at least one X.509
     * certificate; a missing, unreadable or non-PEM file is a {@link BadCaFile} with a one-line reason.
     */
    public static String readPem(Path pem) throws BadCaFile {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(pem);
        } catch (IOException e) {
            throw new BadCaFile("cannot read the CA certificate file " + pem + ": " + IoReason.of(e), e);
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (!text.contains("-----BEGIN CERTIFICATE-----")) {
            throw new BadCaFile("no certificate in " + pem + " (expected PEM: -----BEGIN CERTIFICATE-----)", null);
        }
        parse(new ByteArrayInputStream(bytes), pem.toString());
        return text;
    }

    /** An SSL context trusting the defaults and every certificate of {@code extra} (from {@code name}). */
    static SSLContext context(List<X509Certificate> extra, String name) throws BadCaFile {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            for (int i = 0; i < extra.size(); i++) {
                ks.setCertificateEntry("extra-" + i, extra.get(i));
            }
            X509ExtendedTrustManager added = trustManager(ks);
            return CryptoLibrary.context(new Either(added));
        } catch (GeneralSecurityException | IOException e) {
            throw new BadCaFile("cannot use the CA certificates of " + name + ": " + e.getMessage(), e);
        }
    }

    /** An SSL context trusting the JDK's default trust store. */
    static SSLContext defaults() throws IOException {
        try {
            return CryptoLibrary.context(trustManager(null));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the default trust store: " + e.getMessage(), e);
        }
    }

    /** The X.509 certificates of a PEM (or DER) file; at least one, or a clear error. */
    static List<X509Certificate> read(Path pem) throws BadCaFile {
        try (InputStream in = Files.newInputStream(pem)) {
            return parse(in, pem.toString());
        } catch (IOException e) {
            throw new BadCaFile("cannot read the CA certificate file " + pem + ": " + IoReason.of(e), e);
        }
    }

    private static List<X509Certificate> parse(InputStream in, String name) throws BadCaFile {
        Collection<? extends Certificate> certs;
        try {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (CertificateException e) {
            throw new BadCaFile("no certificate in " + name + " (expected PEM: -----BEGIN CERTIFICATE-----)", e);
        }
        List<X509Certificate> out = new ArrayList<>();
        for (Certificate c : certs) {
            if (c instanceof X509Certificate) {
                out.add((X509Certificate) c);
            }
        }
        if (out.isEmpty()) {
            throw new BadCaFile("no certificate in " + name + " (expected PEM: -----BEGIN CERTIFICATE-----)", null);
        }
        return out;
    }

    /** The JDK's default trust (its cacerts), as a TLS context without a CA file uses it. */
    static X509ExtendedTrustManager jdkTrust() throws GeneralSecurityException {
        return trustManager(null);
    }

    private static X509ExtendedTrustManager trustManager(KeyStore ks) throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager) {
                return (X509ExtendedTrustManager) tm;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager");
    }

    /** How many times the JDK's default trust was built for a CA file's context, for tests. */
    static final java.util.concurrent.atomic.AtomicInteger DEFAULTS_MADE = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Trusts a server chain that either the added certificates or the JDK's default trust store
     * trusts; the default's refusal is reported when both refuse. The default trust is built only when
     * the added certificates do not vouch for a server: parsing the JDK's cacerts took 80-100 ms of a
     * fresh worker, before the first https byte of every fetch whose CA file signs its server.
     */
    private static final class Either extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager added;
        private X509ExtendedTrustManager defaults;

        Either(X509ExtendedTrustManager added) {
            this.added = added;
        }

        private synchronized X509ExtendedTrustManager defaults() throws CertificateException {
            if (defaults == null) {
                try {
                    defaults = trustManager(null);
                    DEFAULTS_MADE.incrementAndGet();
                } catch (GeneralSecurityException e) {
                    throw new CertificateException("cannot use the default trust store: " + e.getMessage(), e);
                }
            }
            return defaults;
        }

        private interface Check {
            void run(X509ExtendedTrustManager tm) throws CertificateException;
        }

        /**
         * The default's refusal when both refuse the chain; the added certificates' refusal when they
         * trusted the chain and refused it for something else (the name of the host: else a
         * certificate of --ca-certificate for another name would be reported as not trusted).
         */
        private void either(Check c) throws CertificateException {
            try {
                c.run(added);
            } catch (CertificateException fromAdded) {
                try {
                    c.run(defaults());
                } catch (CertificateException fromDefaults) {
                    throw isPathFailure(fromAdded) ? fromDefaults : fromAdded;
                }
            }
        }

        private static boolean isPathFailure(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            either(tm -> tm.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            either(tm -> tm.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            either(tm -> tm.checkServerTrusted(chain, authType));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            defaults().checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            defaults().checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            defaults().checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            List<X509Certificate> all = new ArrayList<>(List.of(added.getAcceptedIssuers()));
            try {
                all.addAll(List.of(defaults().getAcceptedIssuers()));
            } catch (CertificateException e) {
                // the added ones alone
            }
            return all.toArray(new X509Certificate[0]);
        }
    }
}

package dev.bgfetch.http;

import java.io.Closeable;
import java.io.IOException;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SchemePortResolver;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.client5.http.io.DetachedSocketFactory;
import org.apache.hc.client5.http.io.HttpClientConnectionOperator;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The worker's one HTTP client: pooled keep-alive connections within the total and per-host limits,
 * no automatic redirects (every hop is checked), no automatic retries (the worker owns retries), no
 * decompression (bytes land on disk as the server sent them).
 */
public final class HttpEngine implements Closeable {
    private final CloseableHttpClient client;
    private final PoolingHttpClientConnectionManager pool;

    /** Servers that closed a fresh connection, or stalled a TLS handshake, with no answer: origin → times in a row. */
    private final Map<String, Integer> silent = new ConcurrentHashMap<>();

    public HttpEngine(int maxTotal, int maxPerHost, Duration connectTimeout, Duration stallTimeout, String userAgent) {
        this(maxTotal, maxPerHost, connectTimeout, stallTimeout, userAgent, TrustOnFirstUse.jdk());
    }

    /**
     * The worker's engine: the JDK's trust, plus the CA certificates of {@code extraCa} when it is
     * not null (the {@code ca-certificate} setting).
     */
    public static HttpEngine create(int maxTotal, int maxPerHost, Duration connectTimeout, Duration stallTimeout,
            String userAgent, Path extraCa) throws Trust.BadCaFile {
        TlsSocketStrategy tls = extraCa == null ? TrustOnFirstUse.jdk() : TrustOnFirstUse.withExtraCa(extraCa);
        return new HttpEngine(maxTotal, maxPerHost, connectTimeout, stallTimeout, userAgent, tls);
    }

    /**
     * An engine for fetches with their own {@code --ca-certificate} (PEM text, or null) on top of the
     * setting's file, and their own proxies (direct when {@code proxies} is null or direct).
     */
    public static HttpEngine create(int maxTotal, int maxPerHost, Duration connectTimeout, Duration stallTimeout,
            String userAgent, Path extraCa, String fetchPem, Proxies proxies) throws Trust.BadCaFile {
        TlsSocketStrategy tls = fetchPem != null ? new DefaultClientTlsStrategy(Trust.withExtraCa(extraCa, fetchPem))
                : extraCa != null ? TrustOnFirstUse.withExtraCa(extraCa)
                : TrustOnFirstUse.jdk();
        return new HttpEngine(maxTotal, maxPerHost, connectTimeout, stallTimeout, userAgent, tls, proxies);
    }

    /** With the trust of {@code tls} (tests use their own certificates; bgfetch uses the JDK's trust store). */
    HttpEngine(int maxTotal, int maxPerHost, Duration connectTimeout, Duration stallTimeout, String userAgent,
            TlsSocketStrategy tls) {
        this(maxTotal, maxPerHost, connectTimeout, stallTimeout, userAgent, tls, null);
    }

    private HttpEngine(int maxTotal, int maxPerHost, Duration connectTimeout, Duration stallTimeout, String userAgent,
            TlsSocketStrategy tls, Proxies proxies) {
        this.pool = new PoolingHttpClientConnectionManagerBuilder() {
                    @Override
                    protected HttpClientConnectionOperator createConnectionOperator(SchemePortResolver ports,
                            DnsResolver dns, TlsSocketStrategy tlsStrategy) {
                        // As the builder's own, with plain sockets that can read into direct memory.
                        return new DefaultHttpClientConnectionOperator(COUNTED_SOCKETS, ports, dns,
                                RegistryBuilder.<TlsSocketStrategy>create()
                                        .register(URIScheme.HTTPS.id, tlsStrategy).build());
                    }
                }
                .setTlsSocketStrategy(new HandshakeWatch(tls))
                .setMaxConnTotal(maxTotal)
                .setMaxConnPerRoute(maxPerHost)
                // A bigger session buffer means fewer read syscalls per byte on large bodies.
                .setConnectionFactory(DirectReads.connections(DirectReads.ARRAY_READ))
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setSocketTimeout(Timeout.of(stallTimeout))
                        .setValidateAfterInactivity(Timeout.ofSeconds(2))
                        .build())
                .build();
        org.apache.hc.client5.http.impl.classic.HttpClientBuilder b = HttpClients.custom();
        if (proxies != null && !proxies.isDirect()) {
            b.setRoutePlanner(new org.apache.hc.client5.http.impl.routing.DefaultRoutePlanner(null) {
                @Override
                protected org.apache.hc.core5.http.HttpHost determineProxy(org.apache.hc.core5.http.HttpHost target,
                        HttpContext context) {
                    java.net.URI p = proxies.forTarget(target.getSchemeName(), target.getHostName());
                    return p == null ? null : new org.apache.hc.core5.http.HttpHost("http", p.getHost(), p.getPort());
                }
            });
            // A proxy asking for credentials (407) gets those of its URL, as curl and wget do.
            org.apache.hc.client5.http.impl.auth.BasicCredentialsProvider creds =
                    new org.apache.hc.client5.http.impl.auth.BasicCredentialsProvider();
            for (java.net.URI p : new java.net.URI[] {proxies.http(), proxies.https()}) {
                String[] up = p == null ? null : Proxies.credentials(p);
                if (up != null) {
                    creds.setCredentials(new org.apache.hc.client5.http.auth.AuthScope(p.getHost(), p.getPort()),
                            new org.apache.hc.client5.http.auth.UsernamePasswordCredentials(up[0], up[1].toCharArray()));
                }
            }
            b.setDefaultCredentialsProvider(creds);
        }
        this.client = b
                .setConnectionManager(pool)
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableContentCompression()
                .disableCookieManagement()
                .disableAuthCaching()
                .setUserAgent(userAgent)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(Timeout.of(stallTimeout))
                        .setConnectionRequestTimeout(Timeout.ofMinutes(10))
                        .setRedirectsEnabled(false)
                        .build())
                .build();
    }

    /** Per thread, how many connections it opened: a request that opened none went on a pooled one. */
    private static final ThreadLocal<long[]> OPENED = ThreadLocal.withInitial(() -> new long[1]);

    /** {@link DirectReads#SOCKETS}, counting in {@link #OPENED}: the classic client connects on the requesting thread. */
    private static final DetachedSocketFactory COUNTED_SOCKETS = new DetachedSocketFactory() {
        @Override
        public Socket create(Proxy socksProxy) throws IOException {
            OPENED.get()[0]++;
            return DirectReads.SOCKETS.create(socksProxy);
        }

        @Override
        public Socket create(String scheme, Proxy socksProxy) throws IOException {
            OPENED.get()[0]++;
            return DirectReads.SOCKETS.create(scheme, socksProxy);
        }
    };

    /** How many connections the calling thread has opened so far (compare two readings). */
    static long openedByThisThread() {
        return OPENED.get()[0];
    }

    CloseableHttpClient client() {
        return client;
    }

    /** Counts one more silent answer from {@code origin}; returns how many in a row. */
    int silentAnswer(String origin) {
        return silent.merge(origin, 1, Integer::sum);
    }

    /** {@code origin} answered: its silent streak is over. */
    void answered(String origin) {
        silent.remove(origin);
    }

    /** Drops idle pooled connections, so the next request surely opens a fresh one. */
    void closeIdle() {
        pool.closeIdle(TimeValue.ZERO_MILLISECONDS);
    }

    /** A TLS handshake that got no answer within the socket timeout (TCP connected, TLS silent). */
    static final class HandshakeTimeout extends SSLHandshakeException {
        HandshakeTimeout(String host, SocketTimeoutException cause) {
            super("no TLS answer from " + host);
            initCause(cause);
        }
    }

    /**
     * Trust made at the first TLS connection: making it parses the JDK's cacerts (~140 certificates,
     * ~250 classes of sun.security, ~9 MiB of a worker's resident memory on W3), which a worker that
     * downloads only http:// URLs never needs. A CA file of the user's is read and checked when the
     * engine is made, so a bad one is still reported at once; only the context that adds it to the
     * JDK's trust waits.
     */
    static final class TrustOnFirstUse implements TlsSocketStrategy {
        /** Makes the strategy; runs once, at the first TLS connection. */
        interface Maker {
            TlsSocketStrategy make() throws IOException;
        }

        private final Maker maker;
        private volatile TlsSocketStrategy tls;

        private TrustOnFirstUse(Maker maker) {
            this.maker = maker;
        }

        static TrustOnFirstUse jdk() {
            return new TrustOnFirstUse(() -> new DefaultClientTlsStrategy(Trust.defaults()));
        }

        /** The JDK's trust and the certificates of {@code pem}, which are read now. */
        static TrustOnFirstUse withExtraCa(Path pem) throws Trust.BadCaFile {
            List<X509Certificate> certs = Trust.read(pem);
            return new TrustOnFirstUse(() -> {
                try {
                    return new DefaultClientTlsStrategy(Trust.context(certs, pem.toString()));
                } catch (Trust.BadCaFile e) {
                    throw new IOException(e.getMessage(), e);
                }
            });
        }

        @Override
        public SSLSocket upgrade(Socket socket, String target, int port, Object attachment, HttpContext context)
                throws IOException {
            TlsSocketStrategy t = tls;
            if (t == null) {
                synchronized (this) {
                    if (tls == null) {
                        tls = maker.make();
                    }
                    t = tls;
                }
            }
            return t.upgrade(socket, target, port, attachment, context);
        }

        boolean made() {
            return tls != null;
        }
    }

    /**
     * Tells a silent TLS handshake apart from a silent TCP connect: HttpClient reports both as a
     * ConnectTimeoutException, but only the first means a server that listens and does not speak TLS.
     */
    private static final class HandshakeWatch implements TlsSocketStrategy {
        private final TlsSocketStrategy tls;

        HandshakeWatch(TlsSocketStrategy tls) {
            this.tls = tls;
        }

        @Override
        public SSLSocket upgrade(Socket socket, String target, int port, Object attachment, HttpContext context)
                throws IOException {
            try {
                return tls.upgrade(socket, target, port, attachment, context);
            } catch (SocketTimeoutException e) {
                throw new HandshakeTimeout(target, e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        client.close(CloseMode.IMMEDIATE);
        pool.close(CloseMode.IMMEDIATE);
    }
}

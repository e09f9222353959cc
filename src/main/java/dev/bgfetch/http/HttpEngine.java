package dev.bgfetch.http;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * The worker's one HTTP client: pooled keep-alive connections within the total and per-host limits,
 * no automatic redirects (every hop is checked), no automatic retries (the worker owns retries), no
 * decompression (bytes land on disk as the server sent them).
 */
public final class HttpEngine implements Closeable {
    private final CloseableHttpClient client;
    private final PoolingHttpClientConnectionManager pool;

    public HttpEngine(int maxTotal, int maxPerHost, Duration connectTimeout, Duration stallTimeout, String userAgent) {
        this.pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(maxTotal)
                .setMaxConnPerRoute(maxPerHost)
                // A bigger session buffer means fewer read syscalls per byte on large bodies.
                .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                        .http1Config(Http1Config.custom().setBufferSize(64 * 1024).build())
                        .build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setSocketTimeout(Timeout.of(stallTimeout))
                        .setValidateAfterInactivity(Timeout.ofSeconds(2))
                        .build())
                .build();
        this.client = HttpClients.custom()
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

    CloseableHttpClient client() {
        return client;
    }

    @Override
    public void close() throws IOException {
        client.close(CloseMode.IMMEDIATE);
        pool.close(CloseMode.IMMEDIATE);
    }
}

package dev.bgfetch.worker;

import dev.bgfetch.http.HttpEngine;
import dev.bgfetch.http.Proxies;
import dev.bgfetch.http.Trust;
import dev.bgfetch.state.Fetch;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The worker's HTTP engines: the shared one, and one for each CA file and proxies that fetches ask for
 * of their own. Loop thread only.
 */
final class Engines {
    private final int maxTotal;
    private final int maxPerHost;
    private final Setting.Values settings;
    /** What an engine is made with: read at start, once the worker owns the store. */
    private Duration connectTimeout;
    private Duration stallTimeout;
    private Path settingCa;
    /** Built on another thread at start (TLS and pool set-up take a few hundred ms), awaited by the first transfer. */
    private Future<HttpEngine> shared;
    /** Engines of fetches with their own --ca-certificate or proxies, by both. */
    private final Map<String, HttpEngine> own = new HashMap<>();

    Engines(Setting.Values settings, int maxTotal, int maxPerHost) {
        this.maxTotal = maxTotal;
        this.maxPerHost = maxPerHost;
        this.settings = settings;
    }

    /** Starts building the shared engine on {@code pool}. */
    void start(ExecutorService pool) {
        connectTimeout = settings.duration(Setting.CONNECT_TIMEOUT);
        stallTimeout = settings.duration(Setting.STALL_TIMEOUT);
        settingCa = settings.path(Setting.CA_CERTIFICATE);
        shared = pool.submit(() -> HttpEngine.create(maxTotal, maxPerHost, connectTimeout, stallTimeout,
                "bgfetch/" + Worker.version(), settingCa));
    }

    /** The engine for a fetch: the shared one, or one with the fetch's own CA and proxies. */
    HttpEngine forFetch(Fetch.Options o) {
        Proxies proxies = Proxies.of(o.httpProxy, o.httpsProxy, o.noProxy);
        if (o.caCertificate == null && proxies.isDirect()) {
            return shared();
        }
        String key = o.caCertificate + "\u0000" + proxies.key();
        HttpEngine e = own.get(key);
        if (e == null) {
            try {
                e = HttpEngine.create(maxTotal, maxPerHost, connectTimeout, stallTimeout, "bgfetch/" + Worker.version(),
                        settingCa, o.caCertificate, proxies);
            } catch (Trust.BadCaFile bad) {
                throw new IllegalStateException(bad.getMessage(), bad);
            }
            own.put(key, e);
        }
        return e;
    }

    private HttpEngine shared() {
        try {
            return shared.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting up HTTP", e);
        } catch (ExecutionException e) {
            Throwable why = e.getCause();
            throw new IllegalStateException(why instanceof Trust.BadCaFile ? why.getMessage()
                    : "cannot set up HTTP: " + why, why);
        }
    }

    /** Closes every engine built; a shared one still being built is left to the exiting JVM. */
    void close() {
        try {
            if (shared != null && shared.isDone() && !shared.isCancelled()) {
                shared().close();
            }
            for (HttpEngine e : own.values()) {
                e.close();
            }
        } catch (IOException | RuntimeException e) {
            // exiting anyway
        }
    }
}

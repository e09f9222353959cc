package dev.bgfetch.support;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loopback HTTP/1.1 server for tests, built on the JDK's {@code com.sun.net.httpserver}.
 *
 * <p>Serves in-memory "files" with validators and byte ranges, fixed statuses and redirects, and can
 * inject faults per path (truncated bodies, stalls, throttling, wrong ranges, transient errors). It
 * records every request so tests can assert on what the client actually sent.
 *
 * <p>Paths are matched on the <em>raw</em> (still percent-encoded) request path, without the query,
 * exactly as passed to {@link #url(String)}. Unknown paths answer 404.
 *
 * <p>All configuration methods are thread-safe and may be called at any time, including while
 * transfers are in flight; a request sees the configuration current when it reaches that step.
 */
public final class TestServer implements AutoCloseable {

    static {
        // Without TCP_NODELAY the small flushes done for throttled/stalled bodies are held back by
        // Nagle + delayed ACK (~40 ms each), which skews timing-based tests. The JDK server reads
        // this property once, when its config class loads, so it has to be set before the first server.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final int CHUNK = 64 * 1024;
    private static final int BACKLOG = 256;
    private static final long BIND_RETRY_MILLIS = 5_000;
    private static final InetAddress IPV4_LOOPBACK;
    static {
        try {
            IPV4_LOOPBACK = InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    private static final String OCTET_STREAM = "application/octet-stream";
    private static final String TEXT_PLAIN = "text/plain; charset=utf-8";
    /** Last-Modified of content version k is BASE + k minutes: deterministic, in the past, distinct. */
    private static final Instant LAST_MODIFIED_BASE = Instant.parse("2024-01-01T00:00:00Z");
    /** IMF-fixdate (RFC 9110 5.6.7); RFC_1123_DATE_TIME would not zero-pad the day. */
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private final ExecutorService executor;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final Map<String, Faults> faults = new ConcurrentHashMap<>();
    private final Map<String, String> dispositions = new ConcurrentHashMap<>();
    private final Map<String, List<String[]>> extraHeaders = new ConcurrentHashMap<>();
    private final Map<String, String> requiredAuth = new ConcurrentHashMap<>();
    private final AtomicLong contentVersions = new AtomicLong();
    private final List<Req> log = new ArrayList<>(); // guarded by itself

    private final Object lifecycle = new Object();
    private Generation current; // guarded by lifecycle; null while stopped
    private int port;           // guarded by lifecycle; 0 until first bind
    private boolean closed;     // guarded by lifecycle

    private TestServer() {
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "TestServer-" + threads.incrementAndGet());
            t.setDaemon(true); // a test that forgets close() must not keep the JVM alive
            return t;
        };
        // Unbounded: stalled/throttled exchanges each pin a thread, and tests open 20+ connections.
        executor = Executors.newCachedThreadPool(factory);
    }

    // ------------------------------------------------------------------ lifecycle

    /** Starts a server on 127.0.0.1 with an ephemeral port. */
    public static TestServer start() {
        TestServer server = new TestServer();
        synchronized (server.lifecycle) {
            server.bind();
        }
        return server;
    }

    /** The listening port; stays the same across {@link #stop()}/{@link #restart()}. */
    public int port() {
        synchronized (lifecycle) {
            return port;
        }
    }

    /** {@code http://127.0.0.1:PORT/path}; {@code path} is used verbatim (may carry a query). */
    public String url(String path) {
        return "http://127.0.0.1:" + port() + normalize(path);
    }

    /**
     * Closes the listener and drops every open connection, including responses in flight (their
     * clients see a truncated body or a reset). Stalled/throttled responses are woken and abandoned.
     * New connections are refused until {@link #restart()}. No-op if already stopped.
     */
    public void stop() {
        synchronized (lifecycle) {
            Generation g = current;
            current = null;
            if (g != null) {
                g.server.stop(0);
                g.stopped.countDown();
            }
        }
    }

    /**
     * Listens again on the same port (stopping first if still running). Retries the bind for a few
     * seconds, then fails with {@link UncheckedIOException} if the port is still taken.
     */
    public void restart() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("TestServer is closed");
            }
            stop();
            bind();
        }
    }

    /** Stops the server for good and releases its threads. Idempotent. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            stop();
        }
        executor.shutdownNow();
    }

    private void bind() {
        // Explicitly 127.0.0.1: getLoopbackAddress() may be ::1, which would not match url().
        InetSocketAddress address = new InetSocketAddress(IPV4_LOOPBACK, port);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BIND_RETRY_MILLIS);
        while (true) {
            HttpServer server = null;
            try {
                // create() + bind() rather than create(address): the JDK opens the ServerSocketChannel
                // with SO_REUSEADDR already set (on Unix), so TIME_WAIT connections from the previous
                // generation normally do not block rebinding; the retry covers the rest.
                server = HttpServer.create();
                server.bind(address, BACKLOG);
                Generation g = new Generation(server);
                server.createContext("/", exchange -> handle(exchange, g));
                server.setExecutor(executor);
                server.start();
                port = server.getAddress().getPort();
                current = g;
                return;
            } catch (IOException e) {
                if (server != null) {
                    try {
                        server.stop(0); // releases the selector/channel of the failed attempt
                    } catch (RuntimeException ignored) {
                        // never started; nothing else to release
                    }
                }
                if (!(e instanceof BindException) || System.nanoTime() > deadline) {
                    throw new UncheckedIOException("cannot bind " + address, e);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new UncheckedIOException("interrupted while binding " + address, e);
                }
            }
        }
    }

    /** One listening incarnation; handlers of a stopped generation give up their sleeps at once. */
    private static final class Generation {
        final HttpServer server;
        final CountDownLatch stopped = new CountDownLatch(1);

        Generation(HttpServer server) {
            this.server = server;
        }

        /** Sleeps; false if the generation was stopped (or the thread interrupted) meanwhile. */
        boolean pause(long nanos) {
            try {
                return nanos <= 0 ? stopped.getCount() > 0 : !stopped.await(nanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    // ------------------------------------------------------------------ content

    /** Serves {@code body} as {@code application/octet-stream} (GET and HEAD, with ranges). */
    public void file(String path, byte[] body) {
        file(path, body, OCTET_STREAM);
    }

    /**
     * Serves {@code body} (copied once, here) with the given Content-Type, a strong ETag derived from
     * the bytes, a Last-Modified fixed for this content version and {@code Accept-Ranges: bytes}.
     */
    public void file(String path, byte[] body, String contentType) {
        routes.put(normalize(path), new FileRoute(newContent(body), contentType));
    }

    /**
     * Replaces the bytes of an existing {@link #file} (new ETag, new Last-Modified, same Content-Type).
     * Responses already in flight finish with the old bytes.
     */
    public void changeContent(String path, byte[] newBody) {
        Content content = newContent(newBody);
        routes.compute(normalize(path), (p, old) -> {
            if (!(old instanceof FileRoute f)) {
                throw new IllegalStateException("no file() registered at " + p);
            }
            return new FileRoute(content, f.contentType());
        });
    }

    /** Adds {@code Content-Disposition: value} to file responses at {@code path}; null removes it. */
    public void contentDisposition(String path, String value) {
        if (value == null) {
            dispositions.remove(normalize(path));
        } else {
            dispositions.put(normalize(path), value);
        }
    }

    /**
     * Adds {@code name: value} to file responses at {@code path} with status {@code status} (200 or
     * 206; 0 = both), e.g. RFC 9530 digest fields; repeatable.
     */
    public void responseHeader(String path, int status, String name, String value) {
        extraHeaders.computeIfAbsent(normalize(path), p -> new java.util.concurrent.CopyOnWriteArrayList<>())
                .add(new String[] {Integer.toString(status), name, value});
    }

    /**
     * Requests at {@code path} without {@code Authorization: Basic base64(user:password)} get a 401
     * with {@code WWW-Authenticate: Basic realm="test"}.
     */
    public void requireBasic(String path, String user, String password) {
        requiredAuth.put(normalize(path), "Basic " + java.util.Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    /** Answers every request to {@code path} with {@code code} and a text/plain {@code body}. */
    public void status(String path, int code, String body) {
        routes.put(normalize(path), new StatusRoute(code, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8)));
    }

    /** Answers with {@code code} and {@code Location: location}, sent verbatim (not resolved or checked). */
    public void redirect(String path, String location, int code) {
        routes.put(normalize(path), new RedirectRoute(location, code));
    }

    /** {@code path?n=K} answers 302 to {@code path?n=K+1} (a missing n counts as 0), forever. */
    public void redirectLoop(String path) {
        routes.put(normalize(path), new LoopRoute());
    }

    /** Current quoted strong ETag of the file at {@code path}. */
    public String etag(String path) {
        return fileRoute(path).content().etag();
    }

    /** Current Last-Modified (IMF-fixdate) of the file at {@code path}. */
    public String lastModified(String path) {
        return fileRoute(path).content().lastModified();
    }

    private FileRoute fileRoute(String path) {
        if (routes.get(normalize(path)) instanceof FileRoute f) {
            return f;
        }
        throw new IllegalStateException("no file() registered at " + path);
    }

    private Content newContent(byte[] body) {
        byte[] copy = body.clone(); // tests may reuse/mutate their array; per-request serving never copies
        String etag = "\"" + sha256(copy).substring(0, 16) + "\"";
        Instant lastModified = LAST_MODIFIED_BASE.plus(Duration.ofMinutes(contentVersions.incrementAndGet()));
        return new Content(copy, etag, lastModified, HTTP_DATE.format(lastModified));
    }

    private record Content(byte[] body, String etag, Instant lastModifiedInstant, String lastModified) { }

    private sealed interface Route permits FileRoute, StatusRoute, RedirectRoute, LoopRoute { }

    private record FileRoute(Content content, String contentType) implements Route { }

    private record StatusRoute(int code, byte[] body) implements Route { }

    private record RedirectRoute(String location, int code) implements Route { }

    private record LoopRoute() implements Route { }

    // ------------------------------------------------------------------ fault knobs

    /**
     * For the next {@code times} GETs at {@code path} that get a file body (200 or 206): declare the
     * full Content-Length of that response, send only the first {@code n} bytes of it, then close
     * the connection. {@code n} counts from the start of the body actually sent, so for a 206 it is
     * relative to the range start, not to the file. If {@code n >= } the body length the body is sent
     * whole (the use is still consumed). {@code times <= 0} clears the fault.
     */
    public void dropAfter(String path, long n, int times) {
        faults(path).drop.set(n, times);
    }

    /** Same fault as {@link #dropAfter} (they share one setting: the last call wins). */
    public void shortBody(String path, long n, int times) {
        dropAfter(path, n, times);
    }

    /**
     * When on, GETs at {@code path} ignore {@code Range}/{@code If-Range} and always get 200 with the
     * full body, and responses carry no {@code Accept-Ranges} header, like a server without range
     * support.
     */
    public void ignoreRange(String path, boolean ignore) {
        faults(path).ignoreRange = ignore;
    }

    /**
     * For the next {@code times} GETs at {@code path} that would get a 206: shift the served range by
     * {@code delta} (start and end, clamped to the file), with a Content-Range and bytes that agree
     * with each other but not with what was asked for.
     */
    public void wrongRangeStart(String path, long delta, int times) {
        faults(path).wrongStart.set(delta, times);
    }

    /**
     * For the next {@code times} GETs at {@code path} that get a file body: after {@code n} body bytes
     * (relative to the body sent, as in {@link #dropAfter}), flush and send nothing for
     * {@code millis} while keeping the connection open, then continue. If the server is stopped or
     * closed during the stall the response is abandoned. No stall if {@code n >=} the body length.
     */
    public void stallAfter(String path, long n, long millis, int times) {
        faults(path).stall.set(new Stall(n, millis), times);
    }

    /**
     * The next {@code times} requests (any method) at {@code path} get {@code status} with a short
     * text body and, if {@code retryAfterSeconds} is non-null, {@code Retry-After}. Then normal.
     */
    public void failWith(String path, int status, int times, Integer retryAfterSeconds) {
        faults(path).fail.set(new Failure(status, retryAfterSeconds), times);
    }

    /**
     * Every request at {@code path} with a {@code Range} header gets {@code status} (with
     * {@code Retry-After} if non-null) while plain GETs are served, like a server that allows one
     * connection per client or whose signed URL expired after the first request. 0 turns it off.
     */
    public void failRanges(String path, int status, Integer retryAfterSeconds) {
        faults(path).rangeFailure = status == 0 ? null : new Failure(status, retryAfterSeconds);
    }

    /**
     * Paces file bodies at {@code path} to about {@code bytesPerSecond} (small chunks, each flushed).
     * Takes effect on running transfers too, so a test can slow a download down and later release it
     * with 0 (= unthrottled).
     */
    public void throttle(String path, long bytesPerSecond) {
        faults(path).bytesPerSecond = Math.max(0, bytesPerSecond);
    }

    /** Every request at {@code path} waits {@code millis} before its response headers; 0 = none. */
    public void delayHeaders(String path, long millis) {
        faults(path).headerDelayMillis = Math.max(0, millis);
    }

    private Faults faults(String path) {
        return faults.computeIfAbsent(normalize(path), p -> new Faults());
    }

    private static final class Faults {
        final Countdown<Long> drop = new Countdown<>();
        final Countdown<Long> wrongStart = new Countdown<>();
        final Countdown<Stall> stall = new Countdown<>();
        final Countdown<Failure> fail = new Countdown<>();
        volatile boolean ignoreRange;
        volatile Failure rangeFailure;
        volatile long bytesPerSecond;
        volatile long headerDelayMillis;
    }

    private record Stall(long after, long millis) { }

    private record Failure(int status, Integer retryAfterSeconds) { }

    /** A value that applies to the next K takers, then expires. */
    private static final class Countdown<T> {
        private T value;
        private int remaining;

        synchronized void set(T value, int times) {
            this.value = value;
            this.remaining = Math.max(0, times);
        }

        /** The value if this taker is one of the K, else null. */
        synchronized T take() {
            if (remaining <= 0) {
                return null;
            }
            remaining--;
            return value;
        }
    }

    // ------------------------------------------------------------------ request log

    /**
     * A received request. {@code path} and {@code query} are raw (percent-encoded); {@code query} is
     * null when absent. {@code nanoTime} is {@link System#nanoTime()} at arrival, for measuring gaps
     * (e.g. retry back-off); {@code remotePort} identifies the client connection (keep-alive checks).
     */
    public record Req(String method, String path, String query, Map<String, List<String>> headers,
                      int remotePort, Instant time, long nanoTime) {

        /** First value of the header, case-insensitive; null if absent. */
        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    /** Snapshot of all requests so far, in arrival order. */
    public List<Req> requests() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** Snapshot of the requests to {@code path} (query ignored), in arrival order. */
    public List<Req> requests(String path) {
        String p = normalize(path);
        synchronized (log) {
            return log.stream().filter(r -> r.path().equals(p)).toList();
        }
    }

    public void clearRequests() {
        synchronized (log) {
            log.clear();
        }
    }

    /**
     * Waits until at least {@code count} requests to {@code path} have arrived (useful when the client
     * runs in another thread or process) and returns them; throws {@link AssertionError} on timeout.
     */
    public List<Req> awaitRequests(String path, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (log) {
            while (true) {
                List<Req> matching = requests(path);
                if (matching.size() >= count) {
                    return matching;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + count + " requests to " + path + " within "
                            + timeout + ", got " + matching.size());
                }
                TimeUnit.NANOSECONDS.timedWait(log, left);
            }
        }
    }

    private void record(HttpExchange ex, String path, String query) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k, List.copyOf(v)));
        Req req = new Req(ex.getRequestMethod(), path, query, Collections.unmodifiableMap(headers),
                ex.getRemoteAddress().getPort(), Instant.now(), System.nanoTime());
        synchronized (log) {
            log.add(req);
            log.notifyAll();
        }
    }

    // ------------------------------------------------------------------ serving

    private void handle(HttpExchange ex, Generation gen) {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            serve(ex, gen);
        } catch (IOException e) {
            // The client hung up, or we cut the connection on purpose, or stop() closed it: all
            // expected in fault tests, and the client side is what the tests assert on.
        } catch (RuntimeException e) {
            // A bug in TestServer itself: make it visible once rather than a silent hang.
            System.err.println("TestServer: error serving " + ex.getRequestURI() + ": " + e);
            e.printStackTrace();
        } finally {
            // If fewer bytes than the declared Content-Length were written, the JDK closes the
            // connection here instead of keeping it alive; that is how dropAfter cuts it.
            inFlight.decrementAndGet();
            ex.close();
        }
    }

    private void serve(HttpExchange ex, Generation gen) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String query = ex.getRequestURI().getRawQuery();
        record(ex, path, query);

        Faults f = faults.get(path);
        if (f != null) {
            long delay = f.headerDelayMillis;
            if (delay > 0 && !gen.pause(TimeUnit.MILLISECONDS.toNanos(delay))) {
                return;
            }
            Failure ranged = f.rangeFailure;
            if (ranged != null && ex.getRequestHeaders().getFirst("Range") != null) {
                if (ranged.retryAfterSeconds() != null) {
                    ex.getResponseHeaders().set("Retry-After", ranged.retryAfterSeconds().toString());
                }
                sendSimple(ex, ranged.status(), "injected " + ranged.status() + " to a range\n");
                return;
            }
            Failure failure = f.fail.take();
            if (failure != null) {
                if (failure.retryAfterSeconds() != null) {
                    ex.getResponseHeaders().set("Retry-After", failure.retryAfterSeconds().toString());
                }
                sendSimple(ex, failure.status(), "injected " + failure.status() + "\n");
                return;
            }
        }

        String auth = requiredAuth.get(path);
        if (auth != null && !auth.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"test\"");
            sendSimple(ex, 401, "unauthorized\n");
            return;
        }
        Route route = routes.get(path);
        if (route == null) {
            sendSimple(ex, 404, "not found: " + path + "\n");
        } else if (route instanceof FileRoute file) {
            serveFile(ex, file, path, f == null ? new Faults() : f, gen);
        } else if (route instanceof StatusRoute s) {
            sendSimple(ex, s.code(), s.body(), TEXT_PLAIN);
        } else if (route instanceof RedirectRoute r) {
            ex.getResponseHeaders().set("Location", r.location());
            sendSimple(ex, r.code(), new byte[0], null);
        } else if (route instanceof LoopRoute) {
            ex.getResponseHeaders().set("Location", path + "?n=" + (loopIndex(query) + 1));
            sendSimple(ex, 302, new byte[0], null);
        }
    }

    private void serveFile(HttpExchange ex, FileRoute file, String path, Faults f, Generation gen)
            throws IOException {
        Content c = file.content(); // one snapshot: changeContent mid-response must not mix versions
        long total = c.body().length;
        String method = ex.getRequestMethod();
        Headers h = ex.getResponseHeaders();
        boolean ignoreRange = f.ignoreRange;

        if (!method.equals("GET") && !method.equals("HEAD")) {
            h.set("Allow", "GET, HEAD");
            sendSimple(ex, 405, "method not allowed\n");
            return;
        }
        h.set("Content-Type", file.contentType());
        h.set("ETag", c.etag());
        h.set("Last-Modified", c.lastModified());
        if (!ignoreRange) {
            h.set("Accept-Ranges", "bytes");
        }
        String disposition = dispositions.get(path);
        if (disposition != null) {
            h.set("Content-Disposition", disposition);
        }

        if (method.equals("HEAD")) {
            // RFC 9110 14.2: Range is defined for GET only, so HEAD always describes the full body.
            // The JDK would warn for a HEAD given a length, so set the header ourselves and pass -1.
            h.set("Content-Length", Long.toString(total));
            ex.sendResponseHeaders(200, -1);
            return;
        }

        int code = 200;
        long start = 0;
        long end = total - 1;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null && !ignoreRange && ifRangeMatches(ex.getRequestHeaders().getFirst("If-Range"), c)) {
            long[] r = parseRange(range, total);
            if (r == UNSATISFIABLE) {
                h.set("Content-Range", "bytes */" + total);
                sendSimple(ex, 416, new byte[0], null);
                return;
            }
            if (r != null) {
                code = 206;
                start = r[0];
                end = r[1];
                Long delta = f.wrongStart.take();
                if (delta != null) {
                    long length = end - start;
                    start = clamp(start + delta, 0, total - 1);
                    end = clamp(start + length, start, total - 1);
                }
                h.set("Content-Range", "bytes " + start + "-" + end + "/" + total);
            }
        }

        for (String[] x : extraHeaders.getOrDefault(path, List.of())) {
            if (x[0].equals("0") || x[0].equals(Integer.toString(code))) {
                h.add(x[1], x[2]);
            }
        }
        long length = end - start + 1;
        Long drop = f.drop.take();
        Stall stall = f.stall.take();
        // A length of 0 would make the JDK switch to chunked encoding; -1 means "Content-Length: 0".
        ex.sendResponseHeaders(code, length == 0 ? -1 : length);
        if (length > 0) {
            writeBody(ex.getResponseBody(), c.body(), (int) start, length, drop, stall, f, gen);
        }
    }

    /**
     * Writes body[start, start+length) in 64 KiB slices straight from the shared array, honouring
     * dropAfter, stallAfter and throttle. Returning early leaves the declared length unmet, which
     * makes the caller's close() drop the connection.
     */
    private static void writeBody(OutputStream os, byte[] body, int start, long length, Long drop, Stall stall,
                                  Faults f, Generation gen) throws IOException {
        long limit = drop == null ? length : Math.max(0, Math.min(drop, length));
        long stallAt = stall != null && stall.after() >= 0 && stall.after() < limit ? stall.after() : -1;
        long sent = 0;
        long rate = -1;
        long paceStart = 0;
        long paced = 0;
        while (sent < limit) {
            if (sent == stallAt) {
                os.flush(); // the client must really hold the first n bytes while we stall
                if (!gen.pause(TimeUnit.MILLISECONDS.toNanos(stall.millis()))) {
                    return;
                }
                stallAt = -1;
                rate = -1; // restart pacing, or the throttle would burst to "catch up" on the stall
            }
            long r = f.bytesPerSecond;
            if (r != rate) {
                rate = r;
                paceStart = System.nanoTime();
                paced = 0;
            }
            long until = stallAt >= 0 ? stallAt : limit;
            int n = (int) Math.min(CHUNK, until - sent);
            if (rate > 0) {
                // ~20 writes per second keeps the pace smooth without per-byte overhead.
                n = (int) Math.min(n, Math.max(1, rate / 20));
            }
            os.write(body, (int) (start + sent), n);
            sent += n;
            if (rate > 0) {
                os.flush();
                paced += n;
                long due = paceStart + (long) (paced * 1e9 / rate);
                if (!gen.pause(due - System.nanoTime())) {
                    return;
                }
            }
        }
        os.flush();
    }

    private static final long[] UNSATISFIABLE = new long[0];

    /**
     * Parses a single {@code bytes=} range into inclusive [first, last]. Returns null when the header
     * should be ignored (syntax we do not support, incl. multiple ranges: RFC 9110 allows serving 200),
     * or UNSATISFIABLE.
     */
    private static long[] parseRange(String header, long total) {
        String v = header.trim();
        if (!v.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = v.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0 || spec.indexOf(',') >= 0) {
            return null;
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) { // suffix range: last b bytes
                long suffix = Long.parseLong(b);
                if (suffix <= 0 || total == 0) {
                    return UNSATISFIABLE;
                }
                return new long[] {Math.max(0, total - suffix), total - 1};
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
            if (first < 0 || last < first) {
                return null; // invalid range-spec: ignore the header
            }
            if (first >= total) {
                return UNSATISFIABLE;
            }
            return new long[] {first, Math.min(last, total - 1)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * RFC 9110 13.1.5: no If-Range means the Range applies; an entity tag must match the current
     * strong ETag exactly (weak tags never match); a date must equal Last-Modified exactly.
     */
    private static boolean ifRangeMatches(String ifRange, Content c) {
        if (ifRange == null) {
            return true;
        }
        String v = ifRange.trim();
        if (v.startsWith("\"") || v.startsWith("W/")) {
            return v.equals(c.etag());
        }
        try {
            Instant date = Instant.from(DateTimeFormatter.RFC_1123_DATE_TIME.parse(v));
            return date.equals(c.lastModifiedInstant());
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static int loopIndex(String query) {
        if (query != null) {
            for (String part : query.split("&")) {
                if (part.startsWith("n=")) {
                    try {
                        return Integer.parseInt(part.substring(2));
                    } catch (NumberFormatException ignored) {
                        return 0;
                    }
                }
            }
        }
        return 0;
    }

    private static void sendSimple(HttpExchange ex, int code, String body) throws IOException {
        sendSimple(ex, code, body.getBytes(StandardCharsets.UTF_8), TEXT_PLAIN);
    }

    private static void sendSimple(HttpExchange ex, int code, byte[] body, String contentType) throws IOException {
        if (contentType != null && body.length > 0) {
            ex.getResponseHeaders().set("Content-Type", contentType);
        }
        boolean noBody = body.length == 0 || ex.getRequestMethod().equals("HEAD")
                || code == 204 || code == 304 || (code >= 100 && code < 200);
        if (noBody) {
            if (ex.getRequestMethod().equals("HEAD") && code != 204 && code != 304) {
                ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            }
            ex.sendResponseHeaders(code, -1); // -1: no body; for GET also "Content-Length: 0"
        } else {
            ex.sendResponseHeaders(code, body.length);
            ex.getResponseBody().write(body);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Deterministic pseudo-random bytes (java.util.Random's algorithm is fixed by its spec). */
    public static byte[] randomBytes(int n, long seed) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Lower-case hex SHA-256 of {@code data}. */
    public static String sha256(byte[] data) {
        return HexFormat.of().formatHex(sha256Digest().digest(data));
    }

    /** Lower-case hex SHA-256 of a file's contents. */
    public static String sha256(Path file) {
        MessageDigest md = sha256Digest();
        byte[] buf = new byte[CHUNK];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is mandatory in every JDK", e);
        }
    }

    private static String normalize(String path) {
        return path.startsWith("/") ? path : "/" + path;
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();

    /** The most requests this server was answering at one time since it started (or since {@link #resetMaxInFlight}). */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    public void resetMaxInFlight() {
        maxInFlight.set(inFlight.get());
    }
}

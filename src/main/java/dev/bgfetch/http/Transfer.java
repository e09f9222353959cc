package dev.bgfetch.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.MessageConstraintException;
import org.apache.hc.core5.http.NoHttpResponseException;

/**
 * One URL into one {@code .part} file, once. Resume is safe (SPEC §4.8): the partial data is bound to
 * a validator and a total; a resumed request carries Range and If-Range; a 206 is appended only when
 * it starts exactly where the local data ends and its total matches; a 200 restarts from zero.
 * Retrying is the caller's business: this class reports {@link Outcome.Kind#NETWORK} and keeps bytes.
 * The file itself is only touched through {@link PartFile}; a failed exchange is put in words by
 * {@link Failures}.
 */
public final class Transfer {
    private static final int MAX_REDIRECTS = 20;
    private static final int BUFFER = 256 * 1024;
    /** One body buffer per transfer thread: a fresh 256 KiB array per file was a memset per file. */
    private static final ThreadLocal<byte[]> BODY_BUFFER = ThreadLocal.withInitial(() -> new byte[BUFFER]);
    private static final long FREE_CHECK_EVERY = 8L * 1024 * 1024;
    /** How often (bytes, or time on a slow link) the .part is checked to still be the file being written. */
    private static final long PRESENT_CHECK_EVERY = 1024 * 1024;
    private static final long PRESENT_CHECK_MS = 500;
    /** What one write to the .part gathers at most from several reads, and for how long (see fill). */
    private static final int COALESCE = 128 * 1024;
    private static final long COALESCE_NANOS = 20_000_000;

    /** What to fetch and what is known about the partial data already on disk. */
    public static final class Spec {
        public URI url;
        public Map<String, String> headers = new LinkedHashMap<>();
        public Path part;
        /** Total length the partial data belongs to, -1 when unknown. */
        public long knownTotal = -1;
        public String etag;
        public String lastModified;
        /** {@code ALGO=HEX} (sha-256, sha-512, sha-1, md5) or null. */
        public String checksum;
        /**
         * What the server said the whole file digests to (RFC 9530), for {@link #verify}: the record's
         * response, as a segment's transfer does not see it. A whole-file transfer takes its own answer's.
         */
        public List<Digests.Expected> serverDigests = List.of();
        /** Stop with QUOTA when the file system's free space would drop below this. */
        public long minFree;
        /** Force the data to disk before reporting COMPLETE. */
        public boolean fsync = true;
        /**
         * The record's name was chosen by this worker where no .part was, and none of its transfers
         * has made one since: a .part found at the name is somebody else's (another store's worker
         * fetching into the same directory), neither resumed from nor cut.
         */
        public boolean fresh;
        /**
         * A large body may bypass the page cache (O_DIRECT, see {@link BodySink}); off with
         * {@code -Dbgfetch.direct-io=false}.
         */
        public boolean directIo = !"false".equals(System.getProperty(BodySink.PROPERTY));
        /**
         * The part of the file this transfer writes, or null for the whole file as one connection.
         * A ranged segment asks for exactly its range and reports {@link Outcome.Kind#SEGMENT_DONE}.
         */
        public Segment segment;
        /** The fetch's --limit-rate bucket, shared by its connections; null = unlimited. */
        public RateLimit rateLimit;
        /** The worker's limit-rate bucket, shared by every transfer; null = unlimited. */
        public RateLimit workerRateLimit;
    }

    private final HttpEngine engine;
    private final Spec spec;
    private final TransferListener listener;
    private volatile boolean cancelled;
    private volatile HttpGet current;
    /** The URL of the hop in flight, and whether it has answered (set on the transfer's own thread). */
    private URI hopUrl;
    private boolean answered;
    /** The current response's body is being copied (which ends or drops it); else it is discarded. */
    private boolean bodyTaken;
    /** An unwanted body up to this size is read to its end, so its connection can be used again. */
    static final long KEEP_ALIVE_DRAIN = 64 * 1024;
    private final PartFile part;

    public Transfer(HttpEngine engine, Spec spec, TransferListener listener) {
        this.engine = engine;
        this.spec = spec;
        this.listener = listener;
        this.part = new PartFile(spec.part, spec.segment, spec.minFree);
    }

    /**
     * The identity of the .part file as it was when the body was complete (checked, hashed), so the
     * deliverer can prove it still renames that file and not something put in its place; null before.
     */
    public Object partKey() {
        return part.key();
    }

    /** Stops the transfer from another thread; {@link #run()} then returns CANCELLED. Keeps the bytes. */
    public void cancel() {
        cancelled = true;
        HttpGet c = current;
        if (c != null) {
            c.cancel();
        }
    }

    public Outcome run() {
        try {
            return attempt();
        } catch (DiskError e) {
            return e.outcome;
        } catch (IOException | RuntimeException e) {
            if (cancelled) {
                return cancelledOutcome();
            }
            return Failures.classify(e, hopUrl, answered, engine);
        }
    }

    /**
     * Sends the request. A pooled connection the server has just closed answers nothing, and one on
     * which a server left bytes after its last body (more than its Content-Length: curl's "excess
     * found") answers with those bytes; either is retried once at once on a fresh connection (a GET is
     * idempotent), so only a server that is silent, or answers wrongly, on a fresh connection counts.
     * A broken answer on a fresh connection is not asked again: the same question gets the same answer.
     */
    private ClassicHttpResponse execute(HttpGet get) throws IOException {
        long opened = HttpEngine.openedByThisThread();
        try {
            return engine.client().executeOpen(null, get, null);
        } catch (NoHttpResponseException | ClientProtocolException | MessageConstraintException e) {
            boolean pooled = HttpEngine.openedByThisThread() == opened;
            if (cancelled || !(e instanceof NoHttpResponseException) && !pooled) {
                throw e;
            }
            engine.closeIdle();
            HttpGet again = new HttpGet(hopUrl);
            again.setHeaders(get.getHeaders());
            current = again;
            return engine.client().executeOpen(null, again, null);
        }
    }

    private static Outcome cancelledOutcome() {
        return Outcome.of(Outcome.Kind.CANCELLED, "stopped");
    }

    /** The strong validator the partial data is bound to: a strong ETag, else Last-Modified. */
    private String validator() {
        return spec.etag != null && !spec.etag.startsWith("W/") ? spec.etag : spec.lastModified;
    }

    private Outcome attempt() throws IOException, DiskError {
        String validator = validator();
        Segment seg = spec.segment;
        boolean ranged = seg != null && seg.ranged();
        long have;
        long rangeEnd = -1;
        if (ranged) {
            // The .part is sparse beyond this segment's data: its length proves nothing here.
            part.attributes();
            have = seg.next();
            rangeEnd = seg.request() - 1;
            if (validator == null || spec.knownTotal < 0) {
                return Outcome.of(Outcome.Kind.CHANGED, "no validator to resume a segment with");
            }
        } else {
            have = part.length();
            if (spec.fresh && part.found()) {
                return part.taken("appeared after its name was chosen");
            }
        }
        if (!ranged && have > 0 && (validator == null || spec.knownTotal >= 0 && have > spec.knownTotal)) {
            // Bytes we cannot prove belong to this resource are not resumed from.
            part.truncate(0);
            listener.restarted(have);
            have = 0;
        }
        URI uri = spec.url;
        ClassicHttpResponse resp;
        for (int hop = 0; ; hop++) {
            if (cancelled) {
                return cancelledOutcome();
            }
            HttpGet get = new HttpGet(uri);
            boolean sameOrigin = sameOrigin(uri, spec.url);
            for (Map.Entry<String, String> h : spec.headers.entrySet()) {
                // Like curl: credentials are not sent to another origin after a redirect.
                if (sameOrigin || !isCredential(h.getKey())) {
                    get.addHeader(h.getKey(), HeaderText.typed(h.getValue()));
                }
            }
            if (ranged) {
                get.setHeader("Range", "bytes=" + have + "-" + rangeEnd);
                get.setHeader("If-Range", validator);
            } else if (have > 0) {
                get.setHeader("Range", "bytes=" + have + "-");
                get.setHeader("If-Range", validator);
            }
            current = get;
            if (cancelled) {
                return cancelledOutcome(); // cancel() ran before it could see this request
            }
            hopUrl = uri;
            answered = false;
            resp = execute(get);
            answered = true;
            engine.answered(Failures.origin(uri));
            int code = resp.getCode();
            if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
                Header loc = resp.getFirstHeader("Location");
                if (loc != null) {
                    resp.close();
                    if (hop + 1 > MAX_REDIRECTS) {
                        return Outcome.of(Outcome.Kind.FETCH_ERROR, "more than " + MAX_REDIRECTS + " redirects");
                    }
                    try {
                        uri = UrlRules.resolve(uri, utf8(loc.getValue()));
                    } catch (UrlRules.BadUrlException e) {
                        return Outcome.of(Outcome.Kind.FETCH_ERROR, "redirect refused: " + e.getMessage());
                    }
                    continue;
                }
            }
            break;
        }
        bodyTaken = false;
        try {
            return ranged ? segmentBody(uri, resp, have, rangeEnd) : body(uri, resp, have);
        } finally {
            if (!bodyTaken) {
                dropUnwanted(resp.getEntity());
            }
            try {
                resp.close();
            } catch (IOException | RuntimeException e) {
                // The outcome is decided: a body that failed has had its connection dropped, and the
                // close's own failure ("ClosedChannelException", "Socket is closed") would have
                // replaced the stall or early close that the user should read.
            }
        }
    }

    /**
     * Drops a body that is not wanted (an error page, a 200 to a segment's range, an answer that
     * does not fit) with its connection, unless it is small enough to read and keep the connection.
     * Closing the response would read all of it first: a 40 MiB answer to a segment
     * held the record's restart back by as long as that body took to arrive.
     */
    private void dropUnwanted(HttpEntity entity) {
        if (entity == null) {
            return;
        }
        long n = entity.getContentLength();
        if (n >= 0 && n <= KEEP_ALIVE_DRAIN) {
            return; // the close reads it
        }
        HttpGet c = current;
        if (c != null) {
            c.cancel();
        }
    }

    /**
     * The answer to a segment's {@code Range: bytes=have-rangeEnd} with If-Range. Only a 206 for
     * exactly that range, of the same total, under the same validator is written; a 200 means the
     * resource changed (If-Range failed) or ranges are not served, and anything that does not fit is
     * not spliced in: the record starts over ({@link Outcome.Kind#CHANGED}).
     */
    private Outcome segmentBody(URI uri, ClassicHttpResponse r, long have, long rangeEnd) throws IOException, DiskError {
        if (cancelled) {
            return cancelledOutcome();
        }
        int code = r.getCode();
        listener.onResponse(new ResponseInfo(uri.toString(), code,
                r.getReasonPhrase() == null ? "" : r.getReasonPhrase(), headers(r)));
        if (code == 408 || code == 429 || code == 503) {
            return Outcome.retryLater("HTTP " + code, retryAfter(r.getFirstHeader("Retry-After")));
        }
        if (code == 200 || code == 416) {
            return Outcome.of(Outcome.Kind.CHANGED, "HTTP " + code + " to the segment request for bytes "
                    + have + "-" + rangeEnd + ": the resource changed or ranges are not served");
        }
        if (code != 206) {
            return Outcome.of(Outcome.Kind.BAD_STATUS, "HTTP " + code + " " + Objects.toString(r.getReasonPhrase(), ""));
        }
        ContentRange cr = ContentRange.parse(value(r, "Content-Range"));
        if (cr == null || cr.start != have || cr.end != rangeEnd || cr.total != spec.knownTotal) {
            return Outcome.of(Outcome.Kind.CHANGED, "asked for bytes " + have + "-" + rangeEnd + "/" + spec.knownTotal
                    + ", got " + Objects.toString(value(r, "Content-Range"), "no Content-Range") + "; not splicing");
        }
        boolean byEtag = spec.etag != null && !spec.etag.startsWith("W/");
        String now = byEtag ? value(r, "ETag") : value(r, "Last-Modified");
        if (!Objects.equals(now, byEtag ? spec.etag : spec.lastModified)) {
            return Outcome.of(Outcome.Kind.CHANGED, (byEtag ? "ETag" : "Last-Modified") + " changed from "
                    + (byEtag ? spec.etag : spec.lastModified) + " to " + now + " on a segment; not splicing");
        }
        long got = copy(r.getEntity(), have);
        if (cancelled) {
            return cancelledOutcome();
        }
        if (got < 0) {
            return Outcome.of(Outcome.Kind.CAP, "download total exceeded");
        }
        if (!spec.segment.complete()) {
            return Outcome.of(Outcome.Kind.NETWORK, "segment cut short at byte " + got + " of " + spec.segment.end());
        }
        return Outcome.of(Outcome.Kind.SEGMENT_DONE, null);
    }

    /**
     * The finish step of a file fetched in segments, once every segment is on disk: the .part (opened
     * the safe way) must have the whole length, and the checksum is verified over the whole file.
     */
    public Outcome verify(long total) {
        try {
            BasicFileAttributes a = part.attributes();
            if (a == null || a.size() != total) {
                return Outcome.of(Outcome.Kind.FETCH_ERROR, "the .part file " + spec.part + " holds "
                        + (a == null ? 0 : a.size()) + " bytes, not " + total);
            }
            part.identify(a);
            return finish(total);
        } catch (DiskError e) {
            return e.outcome;
        } catch (IOException e) {
            return DiskError.of(spec.part, e).outcome;
        }
    }

    private Outcome body(URI uri, ClassicHttpResponse r, long have) throws IOException, DiskError {
        if (cancelled) {
            return cancelledOutcome();
        }
        int code = r.getCode();
        listener.onResponse(new ResponseInfo(uri.toString(), code,
                r.getReasonPhrase() == null ? "" : r.getReasonPhrase(), headers(r)));
        if (code == 408 || code == 429 || code == 503) {
            return Outcome.retryLater("HTTP " + code, retryAfter(r.getFirstHeader("Retry-After")));
        }
        if (code == 416 && have > 0) {
            ContentRange cr = ContentRange.parse(value(r, "Content-Range"));
            if (cr != null && cr.total == have && (spec.knownTotal < 0 || spec.knownTotal == have)) {
                listener.onBinding(spec.etag, spec.lastModified, have, have);
                return finish(have);
            }
            return Outcome.of(Outcome.Kind.FETCH_ERROR, "resume refused (416) and the local " + have
                    + " bytes do not match the total " + (cr == null ? "?" : cr.total));
        }
        if (code < 200 || code >= 300) {
            return Outcome.of(Outcome.Kind.BAD_STATUS, "HTTP " + code + " " + Objects.toString(r.getReasonPhrase(), ""));
        }
        if (have > 0 && code != 200 && code != 206) {
            // SPEC §8: a 206 continues the data, a 200 restarts it; a 204 was delivered as an empty file
            return Outcome.of(Outcome.Kind.FETCH_ERROR, "HTTP " + code + " in answer to a resume from byte " + have
                    + " (only 206 or 200 can continue it)");
        }
        String etag = value(r, "ETag");
        String lastModified = value(r, "Last-Modified");
        HttpEntity entity = r.getEntity();
        long start;
        long total;
        if (code == 206) {
            ContentRange cr = ContentRange.parse(value(r, "Content-Range"));
            if (cr == null || cr.start < 0) {
                return Outcome.of(Outcome.Kind.FETCH_ERROR, "206 without a usable Content-Range");
            }
            if (cr.start != have) {
                return Outcome.of(Outcome.Kind.FETCH_ERROR, "server resumed at byte " + cr.start
                        + " but the local data ends at " + have);
            }
            if (cr.total >= 0 && cr.end != cr.total - 1) {
                return Outcome.of(Outcome.Kind.FETCH_ERROR, "server sent a partial range " + cr.start + "-" + cr.end);
            }
            if (have > 0 && spec.knownTotal >= 0 && cr.total != spec.knownTotal) {
                return Outcome.of(Outcome.Kind.FETCH_ERROR, "total length changed from " + spec.knownTotal
                        + " to " + (cr.total < 0 ? "unknown (*)" : Long.toString(cr.total)) + "; not splicing");
            }
            if (have > 0 && spec.etag != null && etag != null && !etag.equals(spec.etag)) {
                return Outcome.of(Outcome.Kind.FETCH_ERROR, "ETag changed from " + spec.etag + " to " + etag
                        + " on a 206; not splicing");
            }
            boolean byDate = spec.etag == null || spec.etag.startsWith("W/");
            if (have > 0 && byDate && spec.lastModified != null && lastModified != null
                    && !lastModified.equals(spec.lastModified)) {
                // the validator the resume was bound to; a server that ignores If-Range still says it
                return Outcome.of(Outcome.Kind.FETCH_ERROR, "Last-Modified changed from " + spec.lastModified + " to "
                        + lastModified + " on a 206; not splicing");
            }
            long length = entity == null ? 0 : entity.getContentLength();
            if (cr.total >= 0 && length >= 0 && length != cr.end - cr.start + 1) {
                return Outcome.of(Outcome.Kind.FETCH_ERROR, "a 206 of " + length + " bytes for the range "
                        + cr.start + "-" + cr.end + "; not splicing");
            }
            start = have;
            total = cr.total;
        } else {
            if (have > 0) {
                part.truncate(0);
                listener.restarted(have);
            }
            start = 0;
            total = entity == null ? 0 : entity.getContentLength();
        }
        listener.onBinding(etag, lastModified, total, start);
        spec.serverDigests = Digests.fromResponse(code, headers(r));
        boolean canSplit = (code == 206 || "bytes".equalsIgnoreCase(Objects.toString(value(r, "Accept-Ranges"), "").trim()))
                && (etag != null && !etag.startsWith("W/") || lastModified != null);
        long got = copy(entity, start, canSplit, total);
        if (cancelled) {
            return cancelledOutcome();
        }
        if (got < 0) {
            return Outcome.of(Outcome.Kind.CAP, "download total exceeded");
        }
        if (spec.segment != null && spec.segment.end() < total) {
            // Split while it ran: the rest of the file is other segments' business.
            return spec.segment.complete() ? Outcome.of(Outcome.Kind.SEGMENT_DONE, null)
                    : Outcome.of(Outcome.Kind.NETWORK, "segment cut short at byte " + got + " of " + spec.segment.end());
        }
        if (total >= 0 && got != total) {
            return Outcome.of(Outcome.Kind.NETWORK, "body cut short at " + got + " of " + total + " bytes");
        }
        return finish(got);
    }

    private long copy(HttpEntity entity, long start) throws IOException, DiskError {
        return copy(entity, start, false, -1);
    }

    /**
     * Writes the body at {@code start}; returns the offset after the last byte written, or -1 when the
     * group cap stopped it. A segment's body is written at its offsets and stops at the segment's end
     * (which a split may move while it runs); the connection is then dropped, not drained.
     */
    private long copy(HttpEntity entity, long start, boolean canSplit, long total) throws IOException, DiskError {
        bodyTaken = true; // from here the copy reads the body to its end or drops the connection
        Segment seg = spec.segment;
        boolean ranged = seg != null && seg.ranged();
        if (entity == null) {
            if (!ranged) {
                part.truncate(start);
            }
            return start;
        }
        try (FileChannel ch = part.open()) {
            if (!ranged && ch.size() != start) {
                ch.truncate(start);
            }
            if (seg != null && !ranged) {
                // Only now, after the truncation above, may other connections write beyond start.
                seg.begin(start, total, canSplit);
            }
            long got = start;
            // The first chunk checks too: a segment may carry far less than FREE_CHECK_EVERY.
            long sinceCheck = FREE_CHECK_EVERY;
            long sincePresent = 0;
            long presentAt = System.nanoTime();
            byte[] buf = BODY_BUFFER.get();
            RateLimit limit = spec.rateLimit;
            RateLimit all = spec.workerRateLimit;
            long expected = seg != null && seg.end() != Long.MAX_VALUE ? seg.end() - start : total >= 0 ? total - start : -1;
            try (BodySink sink = BodySink.open(part, ch, start, expected,
                    spec.directIo && spec.fsync && limit == null && all == null)) {
                WriteBehind behind = spec.fsync && !sink.direct() ? new WriteBehind(ch) : null;
                InputStream in = entity.getContent();
                boolean whole = false;
                boolean stopped = false;
                boolean cut = false;
                boolean capped = false;
                try {
                    int n;
                    int chunk = limit == null ? buf.length : limit.chunk(buf.length);
                    chunk = all == null ? chunk : Math.min(chunk, all.chunk(buf.length));
                    // Plain sockets already return what arrived while the last chunk was written; more
                    // reads there only wait for smaller pieces (W3: more CPU, not less).
                    boolean tls = hopUrl != null && "https".equalsIgnoreCase(hopUrl.getScheme());
                    DirectReads.Reader reader = new DirectReads.Reader(buf);
                    while ((n = tls ? fill(in, buf, chunk) : reader.read(in, chunk, sink.room())) != -1) {
                        // Read straight into the sink's block: such bytes are dropped there, not just skipped.
                        boolean inRoom = !tls && reader.inRoom();
                        if (cancelled || limit != null && n > 0 && !limit.pace(n, () -> cancelled)
                                || all != null && n > 0 && !all.pace(n, () -> cancelled)) {
                            if (inRoom) {
                                sink.drop(n);
                            }
                            cut = true;
                            break;
                        }
                        if (n == 0) {
                            continue;
                        }
                        boolean atEnd = false;
                        if (seg != null) {
                            int allowed = seg.claim(n);
                            atEnd = allowed < n;
                            if (inRoom) {
                                sink.drop(n - allowed);
                            }
                            n = allowed;
                            if (n == 0) {
                                stopped = true;
                                break;
                            }
                        }
                        if (!listener.reserve(n)) {
                            if (inRoom) {
                                sink.drop(n);
                            }
                            if (seg != null) {
                                seg.unclaim(n);
                            }
                            capped = true;
                            break;
                        }
                        int landed;
                        try {
                            landed = inRoom ? sink.took(n) : sink.write(buf, n);
                        } catch (DiskError e) {
                            throw lost(e, sink, ch, got);
                        }
                        got = landed(seg, behind, got, landed);
                        sinceCheck += n;
                        sincePresent += n;
                        if (spec.minFree > 0 && sinceCheck >= FREE_CHECK_EVERY) {
                            sinceCheck = 0;
                            checked(() -> part.checkFree(), sink, ch, got);
                        }
                        // Writing on into a deleted file would read the whole body for nothing.
                        if (sincePresent >= PRESENT_CHECK_EVERY
                                || System.nanoTime() - presentAt >= PRESENT_CHECK_MS * 1_000_000) {
                            sincePresent = 0;
                            presentAt = System.nanoTime();
                            checked(() -> part.checkStillThere(), sink, ch, got);
                        }
                        if (atEnd) {
                            stopped = true;
                            break;
                        }
                    }
                    whole = !stopped && !cut && !capped;
                } catch (IOException | RuntimeException e) {
                    // the connection failed: what arrived before it is kept, as a resume starts there
                    try {
                        landed(seg, behind, got, sink.land());
                    } catch (DiskError d) {
                        throw lost(d, sink, ch, got);
                    }
                    throw e;
                } finally {
                    if (whole) {
                        in.close();
                    } else {
                        dropConnection(in);
                    }
                }
                try {
                    got = landed(seg, behind, got, sink.land());
                } catch (DiskError e) {
                    throw lost(e, sink, ch, got);
                }
                if (capped) {
                    return -1;
                }
                if (cut) {
                    return got;
                }
            }
            listener.connectionFree();
            part.checkStillThere();
            if (spec.fsync) {
                part.force(ch);
            }
            return got;
        }
    }

    /** Counts {@code n} bytes landed in the file at {@code got}: the segment's progress, the write-behind; returns the new end. */
    private static long landed(Segment seg, WriteBehind behind, long got, int n) {
        if (n > 0) {
            if (seg != null) {
                seg.wrote(n);
            }
            if (behind != null) {
                behind.wrote(n);
            }
        }
        return got + n;
    }

    /**
     * A body that failed on the disk: what the sink took since it last reported bytes landed is
     * neither counted nor claimed any more, and what the record counts is what the disk holds.
     */
    private DiskError lost(DiskError e, BodySink sink, FileChannel ch, long got) {
        int lost = sink.discard();
        Segment seg = spec.segment;
        if (seg != null) {
            seg.unclaim(lost);
        }
        if (seg == null || !seg.ranged()) {
            // a partial chunk is cut off; a ranged segment's sparse neighbours are not
            part.dropPartialChunk(ch, got);
        }
        listener.restarted(lost);
        return e;
    }

    private interface DiskCheck {
        void run() throws DiskError;
    }

    /** Runs a check of the disk; when it fails (the free-space reserve, a removed .part), what the sink holds lands first. */
    private void checked(DiskCheck check, BodySink sink, FileChannel ch, long got) throws DiskError {
        try {
            check.run();
        } catch (DiskError e) {
            try {
                landed(spec.segment, null, got, sink.land());
            } catch (DiskError d) {
                throw lost(d, sink, ch, got);
            }
            throw e;
        }
    }

    /**
     * Reads up to {@code len} bytes, more than one read's worth when they come fast: a TLS stream
     * returns one record (at most 16 KiB) a read, and a write per record cost 1.6 s of page-cache
     * work a GiB on W6 against 0.6 s for 256 KiB writes. It stops at {@link #COALESCE} bytes or
     * after {@link #COALESCE_NANOS}, so a slow link's bytes still reach the disk (and the counts)
     * about as soon as they arrive. Returns -1 only when the body ended with nothing read.
     */
    private static int fill(InputStream in, byte[] buf, int len) throws IOException {
        int got = in.read(buf, 0, len);
        if (got <= 0) {
            return got;
        }
        int want = Math.min(len, COALESCE);
        long since = 0;
        while (got < want) {
            if (since == 0) {
                since = System.nanoTime();
            } else if (System.nanoTime() - since >= COALESCE_NANOS) {
                break;
            }
            int n = in.read(buf, got, want - got);
            if (n <= 0) {
                break; // the end comes back as -1 on the next call
            }
            got += n;
        }
        return got;
    }

    /**
     * Ends a body that is not read to its end. Closing the stream would read (and wait for) the rest
     * to keep the connection, which on a slow link delays a failure by as long as the body lasts.
     */
    private void dropConnection(InputStream in) {
        HttpGet c = current;
        if (c != null) {
            c.cancel();
        }
        try {
            in.close();
        } catch (IOException | RuntimeException e) {
            // the connection is being discarded anyway
        }
    }

    private Outcome finish(long length) throws IOException, DiskError {
        List<Digests.Expected> expected = new ArrayList<>();
        if (spec.checksum != null) {
            expected.add(Digests.ofChecksum(spec.checksum));
        }
        expected.addAll(spec.serverDigests);
        if (!expected.isEmpty()) {
            Map<String, byte[]> got = part.hash(expected);
            for (Digests.Expected e : expected) {
                byte[] g = got.get(e.algorithm());
                if (!MessageDigest.isEqual(g, e.value())) {
                    Files.deleteIfExists(spec.part);
                    listener.restarted(length);
                    String hex = HexFormat.of().formatHex(e.value());
                    String prefix = e.source().equals("--checksum") ? "" : e.source() + " ";
                    return Outcome.of(Outcome.Kind.FETCH_ERROR, prefix + e.name() + " mismatch: expected " + hex
                            + ", got " + HexFormat.of().formatHex(g));
                }
            }
        } else if (part.key() == null) {
            // 416 "already complete": nothing was opened, so prove here what will be delivered.
            part.identify(part.attributes());
        }
        return Outcome.of(Outcome.Kind.COMPLETE, null);
    }

    private static Map<String, String> headers(ClassicHttpResponse r) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Header h : r.getHeaders()) {
            out.merge(h.getName(), h.getValue(), (a, b) -> a + ", " + b);
        }
        return out;
    }

    private static String value(ClassicHttpResponse r, String name) {
        Header h = r.getFirstHeader(name);
        return h == null ? null : h.getValue();
    }

    /** Retry-After as delta-seconds or an HTTP date; -1 when absent or unreadable. */
    static long retryAfter(Header h) {
        if (h == null) {
            return -1;
        }
        // Nothing to wait for (0, negative, a date already past: clock skew) is no hint, and the backoff
        // decides: taken as "now", it spent every status retry within a fifth of a second.
        String v = h.getValue().trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds > 0 ? Math.min(seconds, Long.MAX_VALUE / 1000) * 1000 : -1;
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime t = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                long ms = t.toInstant().toEpochMilli() - System.currentTimeMillis();
                return ms > 0 ? ms : -1;
            } catch (RuntimeException e2) {
                return -1;
            }
        }
    }

    /** UrlRules makes scheme and authority canonical (lower case, no default port), so text equality is origin equality. */
    private static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getRawAuthority(), b.getRawAuthority());
    }

    /**
     * HttpClient reads header bytes as ISO-8859-1; a Location is UTF-8 (as browsers read it), so the
     * bytes are decoded again. Bytes that are not UTF-8 are kept as percent-escapes of themselves.
     */
    static String utf8(String headerValue) {
        String text = HeaderText.asUtf8(headerValue);
        if (text != null) {
            return text;
        }
        StringBuilder b = new StringBuilder();
        for (byte x : headerValue.getBytes(StandardCharsets.ISO_8859_1)) {
            b.append(x >= 0 ? String.valueOf((char) x) : String.format("%%%02X", x & 0xff));
        }
        return b.toString();
    }

    private static boolean isCredential(String header) {
        String h = header.toLowerCase(Locale.ROOT);
        return h.equals("authorization") || h.equals("cookie") || h.equals("proxy-authorization");
    }
}

package dev.bgfetch.state;

import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state files' JSON, written field by field with jackson-core's generator and read with
 * {@link JsonReader} (Jackson's own parser costs ~23 ms on JDK 25: see there).
 *
 * <p>Why not databind: every command is a fresh JVM, and setting up bean serializers and
 * deserializers for {@link Fetch} and {@link Rec} cost a client about a third of {@code fetch}'s
 * start (600 classes, reflection over every field). The field names are the ones databind wrote, so
 * files of either are read alike. Unknown fields are skipped (a newer bgfetch may add some); a value
 * of the wrong type or an unknown state name is damage, reported as an {@link IOException}.
 */
public final class StateJson {
    private StateJson() {
    }

    // ---------------------------------------------------------------- fetch summaries and records

    /** A fetch without its records: the summary file. */
    static byte[] summary(Fetch f) throws IOException {
        // no lambda (as write() takes) on a registration's path: see the comment at writer()
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonWriter g = writer(out)) {
            writeFetch(g, f, true);
        }
        return out.toByteArray();
    }

    /** The summary without the numbers that change with every byte (progress.bin carries those), to compare. */
    static byte[] comparable(Fetch f) throws IOException {
        return write(g -> writeFetch(g, f, false));
    }

    /** One record: a journal line. */
    static byte[] record(Rec r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonWriter g = writer(out)) {
            writeRec(g, r);
        }
        return out.toByteArray();
    }

    public static Fetch readFetch(byte[] data) throws IOException {
        JsonReader p = new JsonReader(data);
        try {
            Fetch f = readFetch(p, start(p));
            end(p);
            return f;
        } catch (IllegalArgumentException e) { // an unknown state, result or reason name
            throw p.error(e.getMessage());
        }
    }

    public static Rec readRec(String line) throws IOException {
        JsonReader p = new JsonReader(line);
        try {
            Rec r = readRec(p, start(p));
            end(p);
            return r;
        } catch (IllegalArgumentException e) {
            throw p.error(e.getMessage());
        }
    }

    /** A summary: the records live in the journal (a schema-1 file embedded them; only read now). */
    private static void writeFetch(JsonWriter g, Fetch f, boolean withProgress) throws IOException {
        g.writeStartObject();
        g.writeNumberField("schema", f.schema);
        g.writeStringField("key", f.key);
        g.writeStringField("id", f.id);
        g.writeStringField("title", f.title);
        g.writeArrayFieldStart("icons");
        for (Fetch.Icon i : f.icons) {
            g.writeStartObject();
            g.writeStringField("src", i.src);
            g.writeStringField("sizes", i.sizes);
            g.writeStringField("type", i.type);
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("uploadTotal", f.uploadTotal);
        g.writeNumberField("uploaded", f.uploaded);
        g.writeNumberField("downloadTotal", f.downloadTotal);
        if (withProgress) {
            g.writeNumberField("downloaded", f.downloaded);
            g.writeNumberField("speed", f.speed);
        }
        g.writeStringField("result", f.result.wire());
        g.writeStringField("failureReason", f.failureReason.wire());
        g.writeStringField("state", f.state.wire());
        g.writeStringField("dir", f.dir);
        g.writeStringField("created", f.created);
        g.writeStringField("settled", f.settled);
        writeOptions(g, f.options);
        g.writeBooleanField("hookDone", f.hookDone);
        g.writeNumberField("files", f.files);
        g.writeNumberField("filesDone", f.filesDone);
        g.writeNumberField("knownTotal", f.knownTotal);
        g.writeStringField("retryReason", f.retryReason);
        g.writeStringField("retryAt", f.retryAt);
        g.writeEndObject();
    }

    private static void writeOptions(JsonWriter g, Fetch.Options o) throws IOException {
        g.writeObjectFieldStart("options");
        g.writeStringField("onSuccess", o.onSuccess);
        g.writeStringField("onFail", o.onFail);
        g.writeStringField("onAbort", o.onAbort);
        g.writeBooleanField("contentDisposition", o.contentDisposition);
        number(g, "maxConnections", o.maxConnections);
        number(g, "maxPerHost", o.maxPerHost);
        number(g, "split", o.split);
        number(g, "minSplitSize", o.minSplitSize);
        g.writeStringField("caCertificate", o.caCertificate);
        number(g, "limitRate", o.limitRate);
        g.writeStringField("httpProxy", o.httpProxy);
        g.writeStringField("httpsProxy", o.httpsProxy);
        g.writeStringField("noProxy", o.noProxy);
        g.writeEndObject();
    }

    private static void writeRec(JsonWriter g, Rec r) throws IOException {
        g.writeStartObject();
        g.writeNumberField("index", r.index);
        g.writeObjectFieldStart("request");
        g.writeStringField("url", r.request.url);
        g.writeStringField("method", r.request.method);
        writeMap(g, "headers", r.request.headers);
        g.writeEndObject();
        if (r.response == null) {
            g.writeNullField("response");
        } else {
            g.writeObjectFieldStart("response");
            g.writeStringField("url", r.response.url);
            g.writeNumberField("status", r.response.status);
            g.writeStringField("statusText", r.response.statusText);
            writeMap(g, "headers", r.response.headers);
            g.writeEndObject();
        }
        g.writeStringField("path", r.path);
        g.writeNumberField("downloaded", r.downloaded);
        number(g, "total", r.total);
        g.writeStringField("result", r.result.wire());
        g.writeStringField("out", r.out);
        g.writeStringField("checksum", r.checksum);
        g.writeStringField("target", r.target);
        g.writeStringField("etag", r.etag);
        g.writeStringField("lastModified", r.lastModified);
        g.writeStringField("error", r.error);
        g.writeStringField("networkError", r.networkError);
        g.writeStringField("retryAt", r.retryAt);
        g.writeEndObject();
    }

    private static Fetch readFetch(JsonReader p, JsonToken t) throws IOException {
        expect(p, t, JsonToken.START_OBJECT);
        Fetch f = new Fetch();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "schema" -> f.schema = (int) longValue(p, v, f.schema);
                case "key" -> f.key = text(p, v);
                case "id" -> f.id = text(p, v);
                case "title" -> f.title = orEmpty(text(p, v));
                case "icons" -> f.icons = icons(p, v);
                case "uploadTotal" -> f.uploadTotal = longValue(p, v, 0);
                case "uploaded" -> f.uploaded = longValue(p, v, 0);
                case "downloadTotal" -> f.downloadTotal = longValue(p, v, 0);
                case "downloaded" -> f.downloaded = longValue(p, v, 0);
                case "speed" -> f.speed = longValue(p, v, 0);
                case "result" -> f.result = FetchResult.of(text(p, v));
                case "failureReason" -> f.failureReason = FailureReason.of(text(p, v));
                case "state" -> f.state = FetchState.of(text(p, v));
                case "dir" -> f.dir = text(p, v);
                case "created" -> f.created = text(p, v);
                case "settled" -> f.settled = text(p, v);
                case "options" -> f.options = options(p, v);
                case "records" -> f.records = records(p, v);
                case "hookDone" -> f.hookDone = bool(p, v);
                case "files" -> f.files = (int) longValue(p, v, 0);
                case "filesDone" -> f.filesDone = (int) longValue(p, v, 0);
                case "knownTotal" -> f.knownTotal = longValue(p, v, -1);
                case "retryReason" -> f.retryReason = text(p, v);
                case "retryAt" -> f.retryAt = text(p, v);
                default -> p.skipChildren();
            }
        }
        return f;
    }

    private static List<Fetch.Icon> icons(JsonReader p, JsonToken t) throws IOException {
        List<Fetch.Icon> icons = new ArrayList<>();
        if (t == JsonToken.VALUE_NULL) {
            return icons;
        }
        expect(p, t, JsonToken.START_ARRAY);
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            expect(p, e, JsonToken.START_OBJECT);
            Fetch.Icon i = new Fetch.Icon();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "src" -> i.src = text(p, v);
                    case "sizes" -> i.sizes = orEmpty(text(p, v));
                    case "type" -> i.type = orEmpty(text(p, v));
                    default -> p.skipChildren();
                }
            }
            icons.add(i);
        }
        return icons;
    }

    private static Fetch.Options options(JsonReader p, JsonToken t) throws IOException {
        Fetch.Options o = new Fetch.Options();
        if (t == JsonToken.VALUE_NULL) {
            return o;
        }
        expect(p, t, JsonToken.START_OBJECT);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "onSuccess" -> o.onSuccess = text(p, v);
                case "onFail" -> o.onFail = text(p, v);
                case "onAbort" -> o.onAbort = text(p, v);
                case "contentDisposition" -> o.contentDisposition = bool(p, v);
                case "maxConnections" -> o.maxConnections = intOrNull(p, v);
                case "maxPerHost" -> o.maxPerHost = intOrNull(p, v);
                case "split" -> o.split = intOrNull(p, v);
                case "minSplitSize" -> o.minSplitSize = longOrNull(p, v);
                case "caCertificate" -> o.caCertificate = text(p, v);
                case "limitRate" -> o.limitRate = longOrNull(p, v);
                case "httpProxy" -> o.httpProxy = text(p, v);
                case "httpsProxy" -> o.httpsProxy = text(p, v);
                case "noProxy" -> o.noProxy = text(p, v);
                default -> p.skipChildren();
            }
        }
        return o;
    }

    private static List<Rec> records(JsonReader p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null; // migration tells a schema-1 file without records from one with none
        }
        expect(p, t, JsonToken.START_ARRAY);
        List<Rec> records = new ArrayList<>();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            records.add(readRec(p, e));
        }
        return records;
    }

    private static Rec readRec(JsonReader p, JsonToken t) throws IOException {
        expect(p, t, JsonToken.START_OBJECT);
        Rec r = new Rec();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "index" -> r.index = (int) longValue(p, v, 0);
                case "request" -> r.request = request(p, v);
                case "response" -> r.response = response(p, v);
                case "path" -> r.path = text(p, v);
                case "downloaded" -> r.downloaded = longValue(p, v, 0);
                case "total" -> r.total = longOrNull(p, v);
                case "result" -> r.result = RecordResult.of(text(p, v));
                case "out" -> r.out = text(p, v);
                case "checksum" -> r.checksum = text(p, v);
                case "target" -> r.target = text(p, v);
                case "etag" -> r.etag = text(p, v);
                case "lastModified" -> r.lastModified = text(p, v);
                case "error" -> r.error = text(p, v);
                case "networkError" -> r.networkError = text(p, v);
                case "retryAt" -> r.retryAt = text(p, v);
                default -> p.skipChildren();
            }
        }
        return r;
    }

    private static Rec.Request request(JsonReader p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p, t, JsonToken.START_OBJECT);
        Rec.Request q = new Rec.Request();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "url" -> q.url = text(p, v);
                case "method" -> q.method = text(p, v);
                case "headers" -> q.headers = map(p, v);
                default -> p.skipChildren();
            }
        }
        return q;
    }

    private static Rec.Response response(JsonReader p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p, t, JsonToken.START_OBJECT);
        Rec.Response s = new Rec.Response();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "url" -> s.url = text(p, v);
                case "status" -> s.status = (int) longValue(p, v, 0);
                case "statusText" -> s.statusText = orEmpty(text(p, v));
                case "headers" -> s.headers = map(p, v);
                default -> p.skipChildren();
            }
        }
        return s;
    }

    // ---------------------------------------------------------------- segment maps

    public static byte[] segments(SegmentMap m) throws IOException {
        return write(g -> {
            g.writeStartObject();
            g.writeNumberField("schema", m.schema);
            g.writeStringField("validator", m.validator);
            g.writeNumberField("total", m.total);
            g.writeArrayFieldStart("segments");
            for (SegmentMap.Part s : m.segments) {
                g.writeStartObject();
                g.writeNumberField("start", s.start);
                g.writeNumberField("end", s.end);
                g.writeNumberField("done", s.done);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    public static SegmentMap readSegments(byte[] data) throws IOException {
        JsonReader p = new JsonReader(data);
        expect(p, start(p), JsonToken.START_OBJECT);
        SegmentMap m = new SegmentMap();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "schema" -> m.schema = (int) longValue(p, v, m.schema);
                case "validator" -> m.validator = text(p, v);
                case "total" -> m.total = longValue(p, v, 0);
                case "segments" -> m.segments = parts(p, v);
                default -> p.skipChildren();
            }
        }
        end(p);
        return m;
    }

    private static List<SegmentMap.Part> parts(JsonReader p, JsonToken t) throws IOException {
        List<SegmentMap.Part> parts = new ArrayList<>();
        if (t == JsonToken.VALUE_NULL) {
            return parts;
        }
        expect(p, t, JsonToken.START_ARRAY);
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            expect(p, e, JsonToken.START_OBJECT);
            SegmentMap.Part s = new SegmentMap.Part();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "start" -> s.start = longValue(p, v, 0);
                    case "end" -> s.end = longValue(p, v, 0);
                    case "done" -> s.done = longValue(p, v, 0);
                    default -> p.skipChildren();
                }
            }
            parts.add(s);
        }
        return parts;
    }

    // ---------------------------------------------------------------- small flat files

    /** A flat object of numbers and strings (the worker's start and spawn records). */
    static byte[] flat(Map<String, Object> fields) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonWriter g = writer(out)) {
            g.writeStartObject();
            for (Map.Entry<String, Object> e : fields.entrySet()) {
                if (e.getValue() instanceof Number n) {
                    g.writeNumberField(e.getKey(), n.longValue());
                } else {
                    g.writeStringField(e.getKey(), e.getValue() == null ? null : e.getValue().toString());
                }
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /**
     * The top-level scalar fields of a JSON object, as text (numbers too); nested values are skipped.
     * Cheap enough to peek at a field ({@code schema}, {@code state}) of a file not otherwise read.
     */
    static Map<String, String> readFlat(byte[] data) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        JsonReader p = new JsonReader(data);
        expect(p, start(p), JsonToken.START_OBJECT);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (v.isScalarValue()) {
                m.put(name, v == JsonToken.VALUE_NULL ? null : p.getText());
            } else {
                p.skipChildren();
            }
        }
        end(p);
        return m;
    }

    /**
     * The top-level {@code id} of a summary, the parse stopped there (it is the third field we
     * write); null when there is none, and nothing else checked. For a question asked of every
     * summary at once (is this id taken?), where a whole parse of each costs ~0.2 ms on a cold JVM.
     */
    static String peekId(byte[] data) throws IOException {
        JsonReader p = new JsonReader(data);
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            boolean id = "id".equals(p.currentName());
            JsonToken v = p.nextToken();
            if (id) {
                return v == JsonToken.VALUE_STRING ? p.getText() : null;
            }
            p.skipChildren();
        }
        return null;
    }

    // ---------------------------------------------------------------- helpers

    private interface Body {
        void write(JsonWriter g) throws IOException;
    }

    private static byte[] write(Body body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonWriter g = writer(out)) {
            body.write(g);
        }
        return out.toByteArray();
    }

    /**
     * A writer into {@code out}. The files a registration writes (summary, record, the spawn record)
     * are written with it directly, not through {@link #write}'s lambda: a process's first lambda
     * links the JDK's method-handle machinery, ~4-6 ms of a `fetch` (bench/RESULTS.md).
     */
    private static JsonWriter writer(ByteArrayOutputStream out) {
        return new JsonWriter(out);
    }

    private static JsonToken start(JsonReader p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw p.error("empty");
        }
        return t;
    }

    /** Nothing but white space may follow the value: a second document is damage, not data. */
    private static void end(JsonReader p) throws IOException {
        if (p.nextToken() != null) {
            throw p.error("unexpected data after the end of the object");
        }
    }

    private static void expect(JsonReader p, JsonToken actual, JsonToken wanted) throws IOException {
        if (actual != wanted) {
            throw p.error("expected " + wanted + ", found " + actual);
        }
    }

    private static String text(JsonReader p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (!t.isScalarValue()) {
            throw p.error("expected text for '" + p.currentName() + "', found " + t);
        }
        return p.getText();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static long longValue(JsonReader p, JsonToken t, long ifNull) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return ifNull;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw p.error("expected a whole number for '" + p.currentName() + "', found " + t);
        }
        return p.getLongValue();
    }

    private static Long longOrNull(JsonReader p, JsonToken t) throws IOException {
        return t == JsonToken.VALUE_NULL ? null : longValue(p, t, 0);
    }

    private static Integer intOrNull(JsonReader p, JsonToken t) throws IOException {
        return t == JsonToken.VALUE_NULL ? null : (int) longValue(p, t, 0);
    }

    private static boolean bool(JsonReader p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return false;
        }
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw p.error("expected true or false for '" + p.currentName() + "', found " + t);
        }
        return t == JsonToken.VALUE_TRUE;
    }

    private static Map<String, String> map(JsonReader p, JsonToken t) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        if (t == JsonToken.VALUE_NULL) {
            return m;
        }
        expect(p, t, JsonToken.START_OBJECT);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            m.put(name, text(p, p.nextToken()));
        }
        return m;
    }

    private static void writeMap(JsonWriter g, String name, Map<String, String> m) throws IOException {
        if (m == null) {
            g.writeNullField(name);
            return;
        }
        g.writeObjectFieldStart(name);
        for (Map.Entry<String, String> e : m.entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    private static void number(JsonWriter g, String name, Number n) throws IOException {
        if (n == null) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, n.longValue());
        }
    }
}

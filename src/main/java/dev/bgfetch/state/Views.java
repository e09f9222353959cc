package dev.bgfetch.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The public JSON shape of a fetch and its records (SPEC §1, §5), with the web API's exact field
 * names. Internal fields (key, resume validators, reservations) stay out of it.
 */
public final class Views {
    /**
     * Trees are built with Jackson's node factory and written with its streaming generator, never
     * through an ObjectMapper: its class initialisation (a default date format with its locale data,
     * the annotation introspector) was ~25-50 ms of every --json command on a cold JVM
     * (async-profiler, list --json). The text is what ObjectMapper's default pretty printer wrote.
     */
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final JsonFactory JSON = new JsonFactory();

    private Views() {
    }

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    public static ArrayNode array() {
        return NODES.arrayNode();
    }

    /** The document as the CLI prints it: indented, "name" : value, empty arrays as [ ]. */
    public static String pretty(JsonNode n) {
        return text(n, true);
    }

    /** The document on one line (watch --json). */
    public static String compact(JsonNode n) {
        return text(n, false);
    }

    private static String text(JsonNode n, boolean pretty) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            if (pretty) {
                g.setPrettyPrinter(new DefaultPrettyPrinter());
            }
            write(g, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, JsonNode n) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT:
                g.writeStartObject();
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    g.writeFieldName(e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
                break;
            case ARRAY:
                g.writeStartArray();
                for (JsonNode item : n) {
                    write(g, item);
                }
                g.writeEndArray();
                break;
            case STRING:
                g.writeString(n.textValue());
                break;
            case NUMBER:
                writeNumber(g, n);
                break;
            case BOOLEAN:
                g.writeBoolean(n.booleanValue());
                break;
            case NULL:
                g.writeNull();
                break;
            default:
                throw new IllegalArgumentException("no JSON text for a " + n.getNodeType() + " node");
        }
    }

    private static void writeNumber(JsonGenerator g, JsonNode n) throws IOException {
        switch (n.numberType()) {
            case INT:
                g.writeNumber(n.intValue());
                break;
            case LONG:
                g.writeNumber(n.longValue());
                break;
            case FLOAT:
                g.writeNumber(n.floatValue());
                break;
            case DOUBLE:
                g.writeNumber(n.doubleValue());
                break;
            case BIG_INTEGER:
                g.writeNumber(n.bigIntegerValue());
                break;
            default:
                g.writeNumber(n.decimalValue());
        }
    }

    public static ObjectNode fetch(Fetch f, boolean withRecords) {
        ObjectNode n = object();
        n.put("schema", Store.SCHEMA);
        n.put("id", f.id);
        n.put("uploadTotal", f.uploadTotal);
        n.put("uploaded", f.uploaded);
        n.put("downloadTotal", f.downloadTotal);
        n.put("downloaded", f.downloaded);
        n.put("result", f.result.wire());
        n.put("failureReason", f.failureReason.wire());
        n.put("recordsAvailable", f.fileCount() > 0);
        n.put("title", f.title);
        ArrayNode icons = n.putArray("icons");
        for (Fetch.Icon i : f.icons) {
            icons.addObject().put("src", i.src).put("sizes", i.sizes).put("type", i.type);
        }
        n.put("state", f.state.wire());
        n.put("dir", f.dir);
        n.put("created", f.created);
        n.put("settled", f.settled);
        n.put("speed", f.speed);
        n.put("files", f.fileCount());
        n.put("filesDone", f.doneCount());
        ObjectNode opts = n.putObject("options");
        opts.put("onSuccess", f.options.onSuccess);
        opts.put("onFail", f.options.onFail);
        opts.put("onAbort", f.options.onAbort);
        opts.put("contentDisposition", f.options.contentDisposition);
        // those fetch took; each shown only when given (split and the rest were applied but shown nowhere)
        given(opts, "maxConnections", f.options.maxConnections);
        given(opts, "maxPerHost", f.options.maxPerHost);
        given(opts, "split", f.options.split);
        given(opts, "minSplitSize", f.options.minSplitSize);
        given(opts, "limitRate", f.options.limitRate);
        if (f.options.caCertificate != null) {
            opts.put("caCertificate", true); // its PEM text is kept, not the file's name
        }
        given(opts, "httpProxy", withoutPassword(f.options.httpProxy));
        given(opts, "httpsProxy", withoutPassword(f.options.httpsProxy));
        given(opts, "noProxy", f.options.noProxy);
        if (withRecords) {
            n.set("records", records(f.records));
        }
        return n;
    }

    private static void given(ObjectNode o, String field, Number value) {
        if (value != null) {
            o.put(field, value.longValue());
        }
    }

    private static void given(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    /** A proxy URL with what precedes {@code @} in its authority shown as {@code ***} (JSON output goes to logs); null stays null. */
    static String withoutPassword(String url) {
        if (url == null) {
            return null;
        }
        int from = url.indexOf("://");
        from = from < 0 ? 0 : from + 3;
        int end = url.indexOf('/', from);
        int at = url.lastIndexOf('@', end < 0 ? url.length() - 1 : end - 1);
        return at < from ? url : url.substring(0, from) + "***" + url.substring(at);
    }

    /** What forget and clean dropped: {@code {"schema": 1, "forgotten": [fetch without records...]}}. */
    public static ObjectNode forgotten(List<Fetch> gone) {
        ObjectNode n = object();
        n.put("schema", Store.SCHEMA);
        ArrayNode a = n.putArray("forgotten");
        for (Fetch f : gone) {
            // dropped from the store: its records can no longer be matched (it said true)
            a.add(fetch(f, false).put("recordsAvailable", false));
        }
        return n;
    }

    public static ArrayNode records(List<Rec> recs) {
        ArrayNode a = array();
        for (Rec r : recs) {
            a.add(record(r));
        }
        return a;
    }

    public static ObjectNode record(Rec r) {
        ObjectNode n = object();
        n.put("index", r.index);
        ObjectNode req = n.putObject("request");
        req.put("url", r.request.url);
        req.put("method", r.request.method);
        requestHeaders(req.putObject("headers"), r.request.headers);
        if (r.response == null) {
            n.putNull("response");
        } else {
            ObjectNode resp = n.putObject("response");
            resp.put("url", r.response.url);
            resp.put("status", r.response.status);
            resp.put("statusText", r.response.statusText);
            headers(resp.putObject("headers"), r.response.headers);
        }
        n.put("path", r.path);
        n.put("downloaded", r.downloaded);
        if (r.total == null) {
            n.putNull("total");
        } else {
            n.put("total", r.total);
        }
        n.put("result", r.result.wire());
        n.put("error", r.error);
        n.put("networkError", r.networkError);
        n.put("retryAt", r.retryAt);
        return n;
    }

    /** Request headers with credentials masked: the scheme stays, the secret never leaves the store. */
    private static void requestHeaders(ObjectNode into, Map<String, String> h) {
        if (h != null) {
            for (Map.Entry<String, String> e : h.entrySet()) { // loops, not forEach(lambda): see LauncherIT
                into.put(e.getKey(), secret(e.getKey()) ? mask(e.getValue()) : e.getValue());
            }
        }
    }

    private static boolean secret(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return n.equals("authorization") || n.equals("proxy-authorization") || n.equals("cookie");
    }

    /** "Basic dXNlcjpwYXNz" → "Basic ***"; a value with no scheme word → "***". */
    static String mask(String value) {
        String v = value.strip();
        int sp = v.indexOf(' ');
        return sp > 0 && !v.substring(0, sp).contains("=") ? v.substring(0, sp) + " ***" : "***";
    }

    private static void headers(ObjectNode into, Map<String, String> h) {
        if (h != null) {
            for (Map.Entry<String, String> e : h.entrySet()) {
                into.put(e.getKey(), e.getValue());
            }
        }
    }
}

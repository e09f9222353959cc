package dev.bgfetch.state;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The public JSON shape of a fetch and its records (SPEC §1, §5), with the web API's exact field
 * names. Internal fields (key, resume validators, reservations) stay out of it.
 */
public final class Views {
    /**
     * One mapper for the CLI's JSON output, made once per process (building one costs a cold JVM
     * several milliseconds). It builds and writes trees only: the state files go through StateJson.
     */
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

    private Views() {
    }

    /** The mapper to build and write the JSON documents with. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static ObjectNode fetch(ObjectMapper m, Fetch f, boolean withRecords) {
        ObjectNode n = m.createObjectNode();
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
        if (f.options.maxConnections != null) {
            opts.put("maxConnections", f.options.maxConnections);
        }
        if (f.options.maxPerHost != null) {
            opts.put("maxPerHost", f.options.maxPerHost);
        }
        if (withRecords) {
            n.set("records", records(m, f.records));
        }
        return n;
    }

    /** What forget and clean dropped: {@code {"schema": 1, "forgotten": [fetch without records...]}}. */
    public static ObjectNode forgotten(ObjectMapper m, List<Fetch> gone) {
        ObjectNode n = m.createObjectNode();
        n.put("schema", Store.SCHEMA);
        ArrayNode a = n.putArray("forgotten");
        for (Fetch f : gone) {
            a.add(fetch(m, f, false));
        }
        return n;
    }

    public static ArrayNode records(ObjectMapper m, List<Rec> recs) {
        ArrayNode a = m.createArrayNode();
        for (Rec r : recs) {
            a.add(record(m, r));
        }
        return a;
    }

    public static ObjectNode record(ObjectMapper m, Rec r) {
        ObjectNode n = m.createObjectNode();
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
            h.forEach((k, v) -> into.put(k, secret(k) ? mask(v) : v));
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
            h.forEach(into::put);
        }
    }
}

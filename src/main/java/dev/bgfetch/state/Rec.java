package dev.bgfetch.state;

import java.util.LinkedHashMap;
import java.util.Map;

/** One requested URL of a fetch and its response: a BackgroundFetchRecord plus what resume needs. */
public final class Rec {
    public int index;
    public Request request = new Request();
    public Response response;
    /** The delivered file; null until the record has succeeded. */
    public String path;
    public long downloaded;
    /** Total length when known (Content-Length / Content-Range total), else null. */
    public Long total;
    public RecordResult result = RecordResult.NONE;

    /** A file name asked for (input file {@code out=}); null = derive from the URL. */
    public String out;
    /** Expected digest, {@code ALGO=HEX} (sha-256, sha-512, sha-1, md5); null = none. */
    public String checksum;
    /** The final path reserved for this record before its first byte; data goes to target + ".part". */
    public String target;
    /** Validators of the partial data, for If-Range. */
    public String etag;
    public String lastModified;
    /** Why the record failed, for humans (not part of the web API). */
    public String error;
    /** While a failed attempt waits for its retry: why it failed (network trouble, 429/503), else null. */
    public String networkError;
    /** When that retry is due (ISO-8601), else null. */
    public String retryAt;

    public boolean isDone() {
        return result != RecordResult.NONE;
    }

    public static final class Request {
        public String url;
        public String method = "GET";
        public Map<String, String> headers = new LinkedHashMap<>();
    }

    public static final class Response {
        public String url;
        public int status;
        public String statusText = "";
        public Map<String, String> headers = new LinkedHashMap<>();
    }
}

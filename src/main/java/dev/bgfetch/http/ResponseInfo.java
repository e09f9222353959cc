package dev.bgfetch.http;

import java.util.Map;

/** The final response of a request chain (after redirects), as the record shows it. */
public final class ResponseInfo {
    public final String url;
    public final int status;
    public final String statusText;
    public final Map<String, String> headers;

    public ResponseInfo(String url, int status, String statusText, Map<String, String> headers) {
        this.url = url;
        this.status = status;
        this.statusText = statusText;
        this.headers = headers;
    }
}

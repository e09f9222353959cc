package dev.bgfetch.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which proxy a URL goes through: an http proxy for http URLs, one for https URLs (tunnelled with
 * CONNECT) and a no_proxy list of hosts that go direct, read as curl reads them.
 */
public final class Proxies {
    /** Default port of a proxy URL without one, as in curl. */
    static final int DEFAULT_PORT = 1080;

    private final URI http;
    private final URI https;
    private final List<String> noProxy;

    private Proxies(URI http, URI https, String noProxy) {
        this.http = http;
        this.https = https;
        this.noProxy = new ArrayList<>();
        if (noProxy != null) {
            for (String p : noProxy.split(",")) {
                String t = p.strip().toLowerCase(Locale.ROOT);
                if (t.startsWith(".")) {
                    t = t.substring(1);
                }
                if (t.startsWith("[") && t.endsWith("]")) {
                    t = t.substring(1, t.length() - 1);
                }
                if (!t.isEmpty()) {
                    this.noProxy.add(t);
                }
            }
        }
    }

    /** The stored options (proxy URLs already checked by {@link #check}); all null = direct. */
    public static Proxies of(String httpProxy, String httpsProxy, String noProxy) {
        return new Proxies(httpProxy == null ? null : URI.create(httpProxy),
                httpsProxy == null ? null : URI.create(httpsProxy), noProxy);
    }

    public boolean isDirect() {
        return http == null && https == null;
    }

    /** The first set variable of {@code names} in {@code env}, or null. */
    public static String env(Map<String, String> env, String... names) {
        for (String n : names) {
            String v = env.get(n);
            if (v != null && !v.isBlank()) {
                return v.strip();
            }
        }
        return null;
    }

    /**
     * A proxy URL as the user wrote it, made canonical: {@code host:port} gets {@code http://}, a
     * missing port is 1080; only http proxies (https://, socks are refused); credentials may be in it.
     */
    public static String check(String text) {
        String t = text.strip();
        if (!t.contains("://")) {
            t = "http://" + t;
        }
        URI u;
        try {
            u = new URI(t);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad proxy URL: " + e.getReason());
        }
        if (!"http".equalsIgnoreCase(u.getScheme())) {
            throw new IllegalArgumentException("only http:// proxies are supported, not " + u.getScheme() + "://");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            throw new IllegalArgumentException("proxy URL without a host");
        }
        if (u.getPort() == 0 || u.getPort() > 65535) {
            // java.net.URI takes any digits; the connection would fail later as an internal error
            throw new IllegalArgumentException("proxy port " + u.getPort() + " is out of range (1-65535)");
        }
        int port = u.getPort() < 0 ? DEFAULT_PORT : u.getPort();
        String info = u.getRawUserInfo() == null ? "" : u.getRawUserInfo() + "@";
        String host = u.getHost().contains(":") && !u.getHost().startsWith("[") ? "[" + u.getHost() + "]" : u.getHost();
        return "http://" + info + host.toLowerCase(Locale.ROOT) + ":" + port;
    }

    /** The proxy for a request to {@code scheme://host}, or null to go direct. */
    public URI forTarget(String scheme, String host) {
        URI p = "https".equalsIgnoreCase(scheme) ? https : http;
        if (p == null || bypass(host)) {
            return null;
        }
        return p;
    }

    /** no_proxy: "*" is every host; an entry matches the host itself and its subdomains (".example.org" too). */
    boolean bypass(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        for (String e : noProxy) {
            String name = e;
            int colon = e.lastIndexOf(':');
            if (colon > 0 && e.indexOf(':') == colon) {
                name = e.substring(0, colon); // host:port entries: the port is not compared
            }
            if (name.equals("*") || h.equals(name) || h.endsWith("." + name)) {
                return true;
            }
        }
        return false;
    }

    /** The user and password in a proxy URL, decoded, or null. */
    public static String[] credentials(URI proxy) {
        String info = proxy.getRawUserInfo();
        if (info == null) {
            return null;
        }
        int colon = info.indexOf(':');
        String user = colon < 0 ? info : info.substring(0, colon);
        String pass = colon < 0 ? "" : info.substring(colon + 1);
        return new String[] {URLDecoder.decode(user, StandardCharsets.UTF_8), URLDecoder.decode(pass, StandardCharsets.UTF_8)};
    }

    /** A text that is the same for the same proxies, to share one engine among fetches. */
    public String key() {
        return http + " " + https + " " + noProxy;
    }

    public URI http() {
        return http;
    }

    public URI https() {
        return https;
    }
}

package dev.bgfetch.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/** What URL bgfetch will request: the checks of SPEC §4.1, applied at registration and on every redirect hop. */
public final class UrlRules {
    /** The Fetch standard's bad ports (https://fetch.spec.whatwg.org/#port-blocking). */
    static final Set<Integer> BAD_PORTS = Set.of(0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42,
            43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137,
            139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563,
            587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566,
            6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080);

    private UrlRules() {
    }

    /** Thrown for a URL bgfetch refuses; the message is one line for the user. */
    public static final class BadUrlException extends Exception {
        public BadUrlException(String message) {
            super(message);
        }
    }

    /** Parses and checks a URL given by the user; returns it normalised (fragment dropped). */
    public static URI check(String text) throws BadUrlException {
        if (text == null || text.isBlank()) {
            throw new BadUrlException("empty URL");
        }
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new BadUrlException("cannot parse URL '" + text + "': " + e.getReason());
        }
        return check(uri, text);
    }

    /** Checks a URI (a user's or a redirect target). */
    public static URI check(URI uri, String shown) throws BadUrlException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new BadUrlException("unsupported scheme in '" + shown + "': only http and https");
        }
        if (uri.getRawUserInfo() != null) {
            throw new BadUrlException("credentials in URL '" + redact(uri) + "' are refused; use a header (-H 'Authorization: ...')");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            if (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@")) {
                throw new BadUrlException("credentials in URL '" + redact(uri) + "' are refused; use a header (-H 'Authorization: ...')");
            }
            throw new BadUrlException("no host in URL '" + shown + "'");
        }
        int port = uri.getPort();
        if (port > 65535) {
            throw new BadUrlException("bad port " + port + " in '" + shown + "'");
        }
        if (port != -1 && BAD_PORTS.contains(port)) {
            throw new BadUrlException("port " + port + " is blocked (Fetch standard bad port) in '" + shown + "'");
        }
        try {
            return new URI(scheme, uri.getRawAuthority(), uri.getRawPath() == null || uri.getRawPath().isEmpty()
                    ? "/" : uri.getRawPath(), uri.getRawQuery(), null).normalize();
        } catch (URISyntaxException e) {
            // Raw components were already valid; rebuilding with the multi-arg constructor re-quotes,
            // so fall back to the string form without the fragment.
            String s = uri.toString();
            int hash = s.indexOf('#');
            return URI.create(hash < 0 ? s : s.substring(0, hash));
        }
    }

    private static String redact(URI uri) {
        return uri.getScheme() + "://***@" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort()) + "/...";
    }

    /** Parses a header given as {@code Name: value}; returns {name, value}. */
    public static String[] header(String text) throws BadUrlException {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon <= 0) {
            throw new BadUrlException("bad header '" + text + "': expected 'Name: value'");
        }
        String name = text.substring(0, colon).trim();
        String value = text.substring(colon + 1).trim();
        if (name.isEmpty() || !name.chars().allMatch(UrlRules::isTokenChar)) {
            throw new BadUrlException("bad header name in '" + text + "'");
        }
        if (value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
            throw new BadUrlException("bad header value in '" + name + "': control characters");
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("range") || lower.equals("if-range") || lower.equals("content-length")
                || lower.equals("host") || lower.equals("transfer-encoding") || lower.equals("connection")) {
            throw new BadUrlException("header '" + name + "' is managed by bgfetch and cannot be set");
        }
        return new String[] {name, value};
    }

    private static boolean isTokenChar(int c) {
        return c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }
}

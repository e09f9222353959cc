package dev.bgfetch.http;

import dev.bgfetch.progress.Escapes;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
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

    /**
     * Parses and checks a URL given by the user, WHATWG-style: the URL to request, fragment dropped.
     * A valid URL (RFC 3986) comes back byte for byte, existing percent-escapes included; what a valid
     * URL cannot contain (spaces, non-ASCII, controls, quotes, angle brackets, braces, '|', '^', '`', a
     * '%' that starts no escape) is percent-encoded as UTF-8; dot segments are resolved as browsers do ({@code %2e} is left alone);
     * the host is IDNA-converted and lower-cased, an empty or default port dropped.
     */
    public static URI check(String text) throws BadUrlException {
        String shown = Escapes.terminal(withoutCredentials(text == null ? "" : text.strip()));
        String s = preprocess(text);
        if (s.isEmpty()) {
            throw new BadUrlException("empty URL");
        }
        int colon = schemeEnd(s);
        String scheme = colon < 0 ? "" : s.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new BadUrlException("unsupported scheme in '" + shown + "': only http and https");
        }
        String rest = slashes(s.substring(colon + 1));
        if (!rest.startsWith("//")) {
            throw new BadUrlException("expected '//' after '" + scheme + ":' in URL '" + shown + "'");
        }
        rest = rest.substring(2);
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        int end = 0;
        while (end < rest.length() && rest.charAt(end) != '/' && rest.charAt(end) != '?') {
            end++;
        }
        String authority = rest.substring(0, end);
        String tail = rest.substring(end);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            throw new BadUrlException("credentials in URL '" + scheme + "://***@" + Escapes.terminal(authority.substring(at + 1))
                    + "/...' are refused; use a header (-H 'Authorization: ...')");
        }
        StringBuilder url = new StringBuilder(scheme).append("://").append(hostAndPort(scheme, authority, shown));
        int q = tail.indexOf('?');
        String path = q < 0 ? tail : tail.substring(0, q);
        url.append(removeDotSegments(encode(path.isEmpty() ? "/" : path, false)));
        if (q >= 0) {
            url.append('?').append(encode(tail.substring(q + 1), true));
        }
        try {
            return new URI(url.toString());
        } catch (URISyntaxException e) {
            // encode() leaves only characters java.net.URI accepts, so this is a bug, said plainly
            throw new BadUrlException("cannot parse URL '" + shown + "': " + e.getReason());
        }
    }

    /**
     * The text as an error may quote it: what stands before an '@' in its authority is shown as
     * {@code ***}, as a refused URL of any scheme ({@code ftp://u:pw@h/}) may carry a password.
     */
    static String withoutCredentials(String text) {
        int sep = text.indexOf("://");
        int from = sep < 0 ? 0 : sep + 3;
        int to = from;
        while (to < text.length() && "/?#".indexOf(text.charAt(to)) < 0) {
            to++;
        }
        int at = text.lastIndexOf('@', to - 1);
        return at < from ? text : text.substring(0, from) + "***" + text.substring(at);
    }

    /** A redirect's Location resolved against the URL that answered, then checked like a user's URL. */
    public static URI resolve(URI base, String location) throws BadUrlException {
        String loc = preprocess(location);
        int colon = schemeEnd(loc);
        if (colon >= 0) {
            String scheme = loc.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
            String rest = loc.substring(colon + 1);
            boolean noAuthority = !slashes(rest).startsWith("//");
            if (noAuthority && scheme.equals(base.getScheme())) {
                // WHATWG: "http:/x" or "http:x" against an http base is relative ("special relative or
                // authority state"), as browsers follow it
                return resolve(base, rest);
            }
            if (noAuthority && (scheme.equals("http") || scheme.equals("https"))) {
                // another special scheme: what follows is its authority, however many slashes lead it
                int from = 0;
                while (from < rest.length() && (rest.charAt(from) == '/' || rest.charAt(from) == '\\')) {
                    from++;
                }
                return check(scheme + "://" + rest.substring(from));
            }
            return check(loc);
        }
        loc = slashes(loc);
        String origin = base.getScheme() + "://" + base.getRawAuthority();
        String path = base.getRawPath() == null || base.getRawPath().isEmpty() ? "/" : base.getRawPath();
        if (loc.startsWith("//")) {
            return check(base.getScheme() + ":" + loc);
        }
        if (loc.startsWith("/")) {
            return check(origin + loc);
        }
        if (loc.startsWith("?")) {
            return check(origin + path + loc);
        }
        if (loc.isEmpty() || loc.startsWith("#")) {
            return check(origin + path + (base.getRawQuery() == null ? "" : "?" + base.getRawQuery()));
        }
        return check(origin + path.substring(0, path.lastIndexOf('/') + 1) + loc);
    }

    /** WHATWG: leading and trailing C0 controls and spaces go, tabs and newlines anywhere go. */
    private static String preprocess(String text) {
        if (text == null) {
            return "";
        }
        int from = 0;
        int to = text.length();
        while (from < to && text.charAt(from) <= 0x20) {
            from++;
        }
        while (to > from && text.charAt(to - 1) <= 0x20) {
            to--;
        }
        String trimmed = text.substring(from, to);
        if (trimmed.indexOf('\t') < 0 && trimmed.indexOf('\n') < 0 && trimmed.indexOf('\r') < 0) {
            return trimmed; // the usual case, without a regular expression compiled per URL
        }
        StringBuilder b = new StringBuilder(trimmed.length());
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if (c != '\t' && c != '\n' && c != '\r') {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** {@code digits} without its leading zeros, keeping the last digit ("007" is "7", "000" is "0"). */
    static String withoutLeadingZeros(String digits) {
        int i = 0;
        while (i < digits.length() - 1 && digits.charAt(i) == '0') {
            i++;
        }
        return digits.substring(i);
    }

    /** Index of the ':' ending a scheme at the start of {@code s}, or -1. */
    private static int schemeEnd(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ':') {
                return i > 0 ? i : -1;
            }
            boolean letter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
            if (!(letter || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'))) {
                return -1;
            }
        }
        return -1;
    }

    /** For http(s) a backslash before the query is a slash (WHATWG), as browsers read it. */
    private static String slashes(String s) {
        int q = s.indexOf('?');
        int h = s.indexOf('#');
        int end = q < 0 ? h : h < 0 ? q : Math.min(q, h);
        return end < 0 ? s.replace('\\', '/') : s.substring(0, end).replace('\\', '/') + s.substring(end);
    }

    private static String hostAndPort(String scheme, String authority, String shown) throws BadUrlException {
        String host;
        String port = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            host = close < 0 ? authority : authority.substring(0, close + 1);
            String after = close < 0 ? "" : authority.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                throw new BadUrlException("unexpected '" + Escapes.terminal(after) + "' after the IPv6 address in URL '"
                        + shown + "'");
            }
            port = after.isEmpty() ? null : after.substring(1);
        } else {
            int colon = authority.indexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            port = colon < 0 ? null : authority.substring(colon + 1);
        }
        String h;
        try {
            h = Hosts.canonical(host);
        } catch (BadUrlException e) {
            throw new BadUrlException("bad URL '" + shown + "': " + Escapes.terminal(e.getMessage()));
        }
        int p = port(port, shown);
        if (p != -1 && BAD_PORTS.contains(p)) {
            throw new BadUrlException("port " + p + " is blocked (Fetch standard bad port) in '" + shown + "'");
        }
        boolean defaultPort = p == 80 && scheme.equals("http") || p == 443 && scheme.equals("https");
        return p == -1 || defaultPort ? h : h + ":" + p;
    }

    /** The port number, or -1 for none (an empty port is none, as in WHATWG). */
    private static int port(String text, String shown) throws BadUrlException {
        if (text == null || text.isEmpty()) {
            return -1;
        }
        if (!Hosts.allDigits(text, 10)) {
            throw new BadUrlException("bad port '" + Escapes.terminal(text) + "' in URL '" + shown + "': not a number");
        }
        String digits = withoutLeadingZeros(text);
        if (digits.length() > 5 || Integer.parseInt(digits) > 65535) {
            throw new BadUrlException("port " + digits + " is out of range (0-65535) in URL '" + shown + "'");
        }
        return Integer.parseInt(digits);
    }

    /**
     * Percent-encodes what may not stand raw in a path (or a query): valid escapes are kept as given
     * and are never encoded again; a '%' that starts no escape becomes %25.
     */
    static String encode(String part, boolean query) {
        StringBuilder b = null;
        for (int i = 0; i < part.length(); ) {
            int cp = part.codePointAt(i);
            int n = Character.charCount(cp);
            boolean keep = cp == '%' ? i + 2 < part.length() && Hosts.hex(part.charAt(i + 1)) && Hosts.hex(part.charAt(i + 2))
                    : cp < 0x80 && (RAW_IN_PATH.indexOf(cp) >= 0 || query && RAW_IN_QUERY_ONLY.indexOf(cp) >= 0);
            if (keep) {
                if (b != null) {
                    b.appendCodePoint(cp);
                }
            } else {
                if (b == null) {
                    b = new StringBuilder(part.length() + 16).append(part, 0, i);
                }
                for (byte x : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    b.append('%').append(HEX.charAt(x >> 4 & 15)).append(HEX.charAt(x & 15));
                }
            }
            i += n;
        }
        return b == null ? part : b.toString();
    }

    private static final String HEX = "0123456789ABCDEF";
    /** RFC 3986 pchar and '/': the characters a valid path may hold raw. */
    private static final String RAW_IN_PATH = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
            + "-._~!$&'()*+,;=:@/";
    /** A query may also hold '?' and, as browsers send them (and java.net.URI accepts), '[' and ']'. */
    private static final String RAW_IN_QUERY_ONLY = "?[]";

    /** RFC 3986 §5.2.4 as WHATWG does it: "." and ".." segments go, empty segments ("//") stay. */
    static String removeDotSegments(String path) {
        String[] segs = path.substring(1).split("/", -1);
        Deque<String> out = new ArrayDeque<>();
        for (int i = 0; i < segs.length; i++) {
            boolean last = i == segs.length - 1;
            if (segs[i].equals("..")) {
                out.pollLast();
                if (last) {
                    out.add("");
                }
            } else if (segs[i].equals(".")) {
                if (last) {
                    out.add("");
                }
            } else {
                out.add(segs[i]);
            }
        }
        return "/" + String.join("/", out);
    }

    /** Parses a header given as {@code Name: value}; returns {name, value}. */
    public static String[] header(String text) throws BadUrlException {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon <= 0) {
            throw new BadUrlException("bad header '" + text + "': expected 'Name: value'");
        }
        // Only spaces and tabs around (RFC 9110's OWS): String.trim() also took control characters
        // off the ends, so "X\u0001: v" went out as "X: v" instead of being refused
        String name = ows(text.substring(0, colon));
        String value = ows(text.substring(colon + 1));
        if (name.isEmpty() || !allTokenChars(name)) {
            throw new BadUrlException("bad header name in '" + text + "'");
        }
        if (value.chars().anyMatch(c -> c < 32 && c != '\t' || c == 127)) {
            throw new BadUrlException("bad header value in '" + name + "': control characters");
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("range") || lower.equals("if-range") || lower.equals("content-length")
                || lower.equals("host") || lower.equals("transfer-encoding") || lower.equals("connection")) {
            throw new BadUrlException("header '" + name + "' is managed by bgfetch and cannot be set");
        }
        return new String[] {name, value};
    }

    /** {@code s} without the spaces and tabs at its ends. */
    private static String ows(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && (s.charAt(b) == ' ' || s.charAt(b) == '\t')) {
            b++;
        }
        while (e > b && (s.charAt(e - 1) == ' ' || s.charAt(e - 1) == '\t')) {
            e--;
        }
        return s.substring(b, e);
    }

    private static boolean allTokenChars(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 32 || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }
}

package dev.bgfetch.cli;

import dev.bgfetch.http.Digests;
import dev.bgfetch.http.Netrc;
import dev.bgfetch.http.Trust;
import dev.bgfetch.http.UrlRules;
import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.IoReason;
import dev.bgfetch.state.Rec;
import dev.bgfetch.worker.Units;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the user's fetch input into a {@link Fetch} ready to store, validating everything first
 * (SPEC §4.1): the first error wins, as a {@link CliException} with exit code 2, and nothing is stored.
 */
final class Registration {
    private final String id;
    private final Map<String, String> commonHeaders = new LinkedHashMap<>();
    private final List<Rec> records = new ArrayList<>();
    /** The input file that gave no URL (blank lines and comments only), for the error that there are none. */
    private String emptyInput;
    /** The Authorization value of {@code -u}, or null. */
    private String basicAuth;
    /** Logins to use for URLs with no -u and no Authorization header, or null. */
    private Netrc netrc;

    private Registration(String id) {
        this.id = id;
    }

    static Registration forId(String id) {
        if (id == null || id.isBlank()) {
            throw usage("empty id");
        }
        // the limit is on characters as a user counts them: an emoji is one, not two UTF-16 units
        int length = id.codePointCount(0, id.length());
        if (length > 200) {
            String shown = Escapes.terminal(id.substring(0, id.offsetByCodePoints(0, 200)) + "…");
            throw usage("bad id '" + shown + "': longer than 200 characters (Unicode code points)");
        }
        if (hasControl(id)) {
            throw usage("bad id '" + Escapes.terminal(id) + "': control characters are not allowed in an id");
        }
        return new Registration(id);
    }

    /** A loop, not a stream: a cold command paid ~7 ms for the stream and its lambda (async-profiler, fetch). */
    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) { // C0, DEL and C1: terminals act on all three
                return true;
            }
        }
        return false;
    }

    Registration headers(List<String> headers) {
        for (String h : headers) {
            String[] nv = header(h);
            commonHeaders.put(nv[0], nv[1]);
        }
        return this;
    }

    Registration urls(List<String> urls) {
        for (String u : urls) {
            add(u, null, null, Map.of());
        }
        return this;
    }

    /** Reads an aria2-style input file: one URL a line, indented option lines after it, # comments. */
    Registration inputFile(String file, InputStream stdin) {
        String name = "-".equals(file) ? "stdin" : Escapes.terminal(file);
        InputStream in;
        try {
            in = "-".equals(file) ? stdin : Files.newInputStream(Path.of(file));
        } catch (IOException e) {
            throw usage("cannot read input file " + name + ": " + IoReason.of(e));
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            Rec last = null;
            while ((line = r.readLine()) != null) {
                n++;
                if (n == 1 && line.startsWith("\uFEFF")) {
                    // Editors on Windows start UTF-8 files with a byte order mark; it is not part of the URL.
                    line = line.substring(1);
                }
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                if (Character.isWhitespace(line.charAt(0)) && last == null) {
                    throw usage(name + ":" + n + ": option line before any URL");
                }
                try {
                    if (Character.isWhitespace(line.charAt(0))) {
                        option(last, t);
                    } else {
                        // aria2 puts mirrors of one file on a line, tab-separated; bgfetch takes the first.
                        String url = t.split("\t")[0].strip();
                        last = add(url, null, null, Map.of());
                    }
                } catch (CliException e) {
                    // in a list of thousands, an error without its line cannot be found
                    throw usage(name + ":" + n + ": " + e.getMessage());
                }
            }
            if (last == null) {
                emptyInput = name;
            }
        } catch (IOException e) {
            throw usage("cannot read input file " + name + ": " + IoReason.of(e));
        }
        return this;
    }

    private void option(Rec rec, String text) {
        int eq = text.indexOf('=');
        if (eq <= 0) {
            throw usage("expected NAME=VALUE, got '" + Escapes.terminal(text) + "'");
        }
        String name = text.substring(0, eq).strip().toLowerCase(Locale.ROOT);
        String value = text.substring(eq + 1).strip();
        switch (name) {
            case "out":
                if (value.isEmpty()) {
                    throw usage("empty out=");
                }
                rec.out = value;
                break;
            case "checksum":
                rec.checksum = parseChecksum(value);
                break;
            case "header":
                String[] nv = header(value);
                rec.request.headers.put(nv[0], nv[1]);
                break;
            default:
                throw usage("unknown option '" + Escapes.terminal(name) + "' (known: out, checksum, header)");
        }
    }

    private Rec add(String url, String out, String checksum, Map<String, String> headers) {
        URI uri;
        try {
            uri = UrlRules.check(url);
        } catch (UrlRules.BadUrlException e) {
            throw usage(Escapes.terminal(e.getMessage()));
        }
        Rec r = new Rec();
        r.index = records.size();
        r.request.url = uri.toString();
        r.request.headers.putAll(headers);
        r.out = out;
        r.checksum = checksum;
        records.add(r);
        return r;
    }

    Registration checksum(String value) {
        if (value == null) {
            return this;
        }
        if (records.size() != 1) {
            throw usage("--checksum needs exactly one URL (use checksum= lines in an input file for several)");
        }
        records.get(0).checksum = parseChecksum(value);
        return this;
    }

    static String parseChecksum(String value) {
        try {
            return Digests.canonicalChecksum(value);
        } catch (IllegalArgumentException e) {
            throw usage("bad checksum '" + Escapes.terminal(value) + "': " + e.getMessage());
        }
    }

    /** The checked PEM text of {@code --ca-certificate FILE}. */
    static String caCertificate(Path file) {
        try {
            return Trust.readPem(file.toAbsolutePath());
        } catch (Trust.BadCaFile e) {
            throw usage("--ca-certificate: " + Escapes.terminal(e.getMessage()));
        }
    }

    /**
     * {@code -u USER[:PASSWORD]}: split at the first colon, so a password may hold ':' and '@'
     * (curl does the same); with no colon the password is asked on the terminal, or it is an error.
     */
    Registration user(String value, java.io.Console console) {
        if (value == null) {
            return this;
        }
        int colon = value.indexOf(':');
        String user = colon < 0 ? value : value.substring(0, colon);
        String password;
        if (user.isEmpty()) {
            throw usage("-u/--user: empty user name (expected USER[:PASSWORD])");
        }
        if (hasControl(user)) {
            throw usage("-u/--user: control characters in the user name");
        }
        if (colon >= 0) {
            password = value.substring(colon + 1);
        } else if (console != null) {
            char[] typed = console.readPassword("Password for %s: ", Escapes.terminal(user));
            if (typed == null) {
                throw usage("-u/--user: no password given");
            }
            password = new String(typed);
        } else {
            throw usage("-u/--user " + Escapes.terminal(user) + ": no password and no terminal to ask on (give USER:PASSWORD)");
        }
        basicAuth = basic(user, password);
        return this;
    }

    /** Uses the logins of {@code n} (may be null) for URLs that have no -u and no Authorization header. */
    Registration netrc(Netrc n) {
        netrc = n;
        return this;
    }

    boolean hasUser() {
        return basicAuth != null;
    }

    static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The Authorization a record gets: an explicit header wins (as in curl), then -u, then the netrc. */
    private void credentials(Rec r, Map<String, String> headers) {
        for (String k : headers.keySet()) {
            if (k.equalsIgnoreCase("Authorization")) {
                return;
            }
        }
        String auth = basicAuth;
        if (auth == null && netrc != null) {
            Netrc.Login l = netrc.find(URI.create(r.request.url).getHost());
            auth = l == null ? null : basic(l.login(), l.password());
        }
        if (auth != null) {
            headers.put("Authorization", auth);
        }
    }

    static long size(String text, String option) {
        try {
            return Units.bytes(text);
        } catch (IllegalArgumentException e) {
            throw usage(option + ": " + Escapes.terminal(e.getMessage()));
        }
    }

    static Fetch.Icon icon(String text) {
        String[] parts = text.split(",");
        if (parts[0].isBlank()) {
            throw usage("bad --icon '" + Escapes.terminal(text) + "': expected SRC[,sizes=WxH][,type=MIME]");
        }
        Fetch.Icon icon = new Fetch.Icon(parts[0].strip(), "", "");
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            if (p.startsWith("sizes=")) {
                icon.sizes = p.substring(6);
                // the web's ImageResource sizes: "any" or space-separated WxH (HTML's sizes attribute)
                if (!icon.sizes.matches("(?i)any|[1-9][0-9]{0,5}x[1-9][0-9]{0,5}( [1-9][0-9]{0,5}x[1-9][0-9]{0,5})*")) {
                    throw usage("bad --icon sizes '" + Escapes.terminal(icon.sizes) + "': expected WxH (e.g. 192x192), several "
                            + "separated by spaces, or any");
                }
            } else if (p.startsWith("type=")) {
                icon.type = p.substring(5);
                if (!icon.type.matches("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")) {
                    throw usage("bad --icon type '" + Escapes.terminal(icon.type) + "': expected a MIME type (e.g. image/png)");
                }
            } else {
                throw usage("bad --icon part '" + Escapes.terminal(p) + "': expected sizes=WxH or type=MIME");
            }
        }
        return icon;
    }

    private static String[] header(String h) {
        try {
            return UrlRules.header(h);
        } catch (UrlRules.BadUrlException e) {
            throw usage(Escapes.terminal(e.getMessage()));
        }
    }

    Fetch build() {
        if (records.isEmpty()) {
            throw usage(emptyInput != null ? "no URLs: " + emptyInput + " has none (only blank lines and comments)"
                    : "no URLs: give URLs or --input-file");
        }
        Fetch f = new Fetch();
        f.id = id;
        for (Rec r : records) {
            Map<String, String> merged = new LinkedHashMap<>(commonHeaders);
            merged.putAll(r.request.headers);
            credentials(r, merged);
            r.request.headers = merged;
        }
        f.records = records;
        return f;
    }

    static CliException usage(String message) {
        return new CliException(ExitCodes.USAGE, message);
    }
}

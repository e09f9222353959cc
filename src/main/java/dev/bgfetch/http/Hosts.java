package dev.bgfetch.http;

import dev.bgfetch.http.UrlRules.BadUrlException;
import java.io.ByteArrayOutputStream;
import java.net.IDN;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host of a URL as the WHATWG URL standard's host parser reads it: an IPv6 literal in brackets,
 * an IPv4 address (in any of the forms browsers accept, written back as dotted decimal), or a domain
 * that is percent-decoded, converted with IDNA and lower-cased. Every refusal names what is wrong.
 */
final class Hosts {
    private Hosts() {
    }

    /** The host to request for {@code raw} (the text between the authority's userinfo and port). */
    static String canonical(String raw) throws BadUrlException {
        // A list of a thousand URLs is mostly one or a few hosts: each is worked out once
        // (IDNA and the IPv4 rules were two thirds of reading W2's list of 1000).
        String known = CANONICAL.get(raw);
        if (known != null) {
            return known;
        }
        String c = canonicalOf(raw);
        if (CANONICAL.size() < 1024) {
            CANONICAL.put(raw, c);
        }
        return c;
    }

    private static final Map<String, String> CANONICAL = new ConcurrentHashMap<>();

    private static String canonicalOf(String raw) throws BadUrlException {
        if (raw.isEmpty()) {
            throw new BadUrlException("no host");
        }
        if (raw.startsWith("[")) {
            return ipv6(raw);
        }
        String decoded = percentDecode(raw);
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c <= 0x20 || c == 0x7f || "#%/:<>?@[\\]^|".indexOf(c) >= 0) {
                throw new BadUrlException("host '" + raw + "' has a character not allowed in a host name: "
                        + shown(c));
            }
        }
        String ascii;
        try {
            // java.net.IDN is IDNA2003 (nameprep + punycode); WHATWG uses UTS #46, which agrees on
            // every name a user is likely to type.
            ascii = toAscii(decoded).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new BadUrlException("host '" + raw + "' cannot be converted with IDNA: " + e.getMessage());
        }
        if (ascii.replace(".", "").isEmpty()) {
            throw new BadUrlException("no host");
        }
        if (endsInNumber(ascii)) {
            return ipv4(ascii, raw);
        }
        for (int i = 0; i < ascii.length(); i++) {
            char c = ascii.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.')) {
                throw new BadUrlException("host '" + raw + "' has a character not allowed in a host name: "
                        + shown(c));
            }
        }
        return ascii;
    }

    /**
     * {@link IDN#toASCII(String)}, without loading IDNA's tables for a name that is ASCII already:
     * for one, IDNA only checks that no label is empty or longer than 63 (same messages), and the
     * class's first use costs ~13 ms of a registration. Any other name goes to IDN itself.
     */
    static String toAscii(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) >= 0x80) {
                return IDN.toASCII(name);
            }
        }
        if (name.equals(".")) {
            return name;
        }
        int start = 0;
        while (start < name.length()) {
            int dot = name.indexOf('.', start);
            int end = dot < 0 ? name.length() : dot;
            if (end == start) {
                throw new IllegalArgumentException("Empty label is not a legal name");
            }
            if (end - start > 63) {
                throw new IllegalArgumentException("The label in the input is too long");
            }
            start = end + 1;
        }
        return name;
    }

    private static String shown(char c) {
        return c == ' ' ? "a space" : c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : "'" + c + "'";
    }

    private static String ipv6(String raw) throws BadUrlException {
        if (!raw.endsWith("]")) {
            throw new BadUrlException("IPv6 address '" + raw + "' has no closing ']'");
        }
        String inner = raw.substring(1, raw.length() - 1);
        if (inner.isEmpty() || inner.indexOf('%') >= 0 || !allDigitsOr(inner, 16, ":.")) {
            throw new BadUrlException("'" + raw + "' is not an IPv6 address");
        }
        try {
            // java.net.URI checks the RFC 4291 text form (group count, '::' once, a trailing IPv4).
            if (new URI("http://" + raw + "/").getHost() == null) {
                throw new BadUrlException("'" + raw + "' is not an IPv6 address");
            }
        } catch (java.net.URISyntaxException e) {
            throw new BadUrlException("'" + raw + "' is not an IPv6 address");
        }
        return raw.toLowerCase(Locale.ROOT);
    }

    /** WHATWG "ends in a number": the last label (a trailing dot aside) is decimal digits or 0x-hex. */
    static boolean endsInNumber(String host) {
        List<String> parts = labels(host);
        String last = parts.get(parts.size() - 1);
        if (!last.isEmpty() && allDigits(last, 10)) {
            return true;
        }
        return (last.startsWith("0x") || last.startsWith("0X")) && allDigits(last.substring(2), 16);
    }

    /**
     * Whether every character (of none, too) is an ASCII digit in {@code radix}. Loops, not streams,
     * in the checks every registration makes: a cold command paid ~11 ms for two such streams and
     * their lambdas (async-profiler, fetch).
     */
    static boolean allDigits(String s, int radix) {
        return allDigitsOr(s, radix, "");
    }

    /** As {@link #allDigits}, or one of {@code others}. ASCII only: Character.digit takes other scripts' digits. */
    private static boolean allDigitsOr(String s, int radix, String others) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int d = c >= '0' && c <= '9' ? c - '0'
                    : c >= 'a' && c <= 'z' ? c - 'a' + 10
                    : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 99;
            if (d >= radix && others.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private static List<String> labels(String host) {
        List<String> parts = new ArrayList<>(List.of(host.split("\\.", -1)));
        if (parts.size() > 1 && parts.get(parts.size() - 1).isEmpty()) {
            parts.remove(parts.size() - 1);
        }
        return parts;
    }

    /** The WHATWG IPv4 parser: 1 to 4 parts, each decimal, 0x-hex or 0-octal; the last fills the rest. */
    private static String ipv4(String host, String raw) throws BadUrlException {
        List<String> parts = labels(host);
        if (parts.size() > 4) {
            throw new BadUrlException("'" + raw + "' is not an IPv4 address: more than 4 parts");
        }
        long[] n = new long[parts.size()];
        for (int i = 0; i < n.length; i++) {
            n[i] = number(parts.get(i), raw);
            if (i < n.length - 1 && n[i] > 255) {
                throw new BadUrlException("IPv4 address '" + raw + "' is out of range: " + parts.get(i)
                        + " is more than 255");
            }
        }
        long last = n[n.length - 1];
        if (last >= 1L << (8 * (5 - n.length))) {
            throw new BadUrlException("IPv4 address '" + raw + "' is out of range: " + parts.get(n.length - 1)
                    + (n.length == 4 ? " is more than 255" : " is too large"));
        }
        long address = last;
        for (int i = 0; i < n.length - 1; i++) {
            address += n[i] << (8 * (3 - i));
        }
        return (address >> 24) + "." + (address >> 16 & 255) + "." + (address >> 8 & 255) + "." + (address & 255);
    }

    private static long number(String part, String raw) throws BadUrlException {
        int radix = 10;
        String digits = part;
        if (part.startsWith("0x") || part.startsWith("0X")) {
            radix = 16;
            digits = part.substring(2);
        } else if (part.length() > 1 && part.startsWith("0")) {
            radix = 8;
            digits = part.substring(1);
        }
        if (digits.isEmpty()) {
            if (part.isEmpty()) {
                throw new BadUrlException("'" + raw + "' is not an IPv4 address: an empty part");
            }
            return 0;
        }
        if (!allDigits(digits, radix)) {
            throw new BadUrlException("'" + raw + "' is not an IPv4 address: '" + part + "' is not a number");
        }
        String significant = UrlRules.withoutLeadingZeros(digits);
        if (significant.length() > 12) {
            return Long.MAX_VALUE >> 8; // bigger than any part can be; the range check reports it
        }
        return Long.parseLong(significant, radix);
    }

    /** Percent-decodes a host as UTF-8, refusing bytes that are not UTF-8. */
    private static String percentDecode(String raw) throws BadUrlException {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); ) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length() && hex(raw.charAt(i + 1)) && hex(raw.charAt(i + 2))) {
                bytes.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 3;
            } else if (c == '%') {
                throw new BadUrlException("host '" + raw + "' has a '%' that is not a percent-escape");
            } else {
                int cp = raw.codePointAt(i);
                bytes.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new BadUrlException("host '" + raw + "' percent-decodes to bytes that are not UTF-8");
        }
    }

    static boolean hex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }
}

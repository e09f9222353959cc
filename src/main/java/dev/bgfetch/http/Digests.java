package dev.bgfetch.http;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The digests a whole body must have: the user's {@code --checksum} ({@code ALGO=HEX}) and the
 * server's RFC 9530 {@code Content-Digest} / {@code Repr-Digest} fields, each one algorithm and value.
 */
public final class Digests {
    /** One expected digest: the JDK algorithm name, the bytes, and who claimed it (for the error message). */
    public record Expected(String algorithm, byte[] value, String source) {
        /** The short RFC 9530 / --checksum name: sha-256, sha-512, sha-1, md5. */
        public String name() {
            return algorithm.toLowerCase(Locale.ROOT);
        }
    }

    private Digests() {
    }

    /**
     * The canonical {@code algo=hex} of a {@code --checksum} value (sha-256, sha-512 and the weak
     * sha-1 and md5; {@code sha256}-style names too), or an IllegalArgumentException saying what is wrong.
     */
    public static String canonicalChecksum(String value) {
        String v = value.strip();
        int eq = v.indexOf('=');
        String algo = eq < 0 ? "" : jdkName(v.substring(0, eq).strip());
        String hex = eq < 0 ? "" : v.substring(eq + 1).strip().toLowerCase(Locale.ROOT);
        if (algo == null || algo.isEmpty()) {
            throw new IllegalArgumentException("expected sha-256=HEX, sha-512=HEX, sha-1=HEX or md5=HEX");
        }
        int want = hexLength(algo);
        if (!hex.matches("[0-9a-f]{" + want + "}")) {
            throw new IllegalArgumentException("expected " + algo.toLowerCase(Locale.ROOT) + "=<" + want + " hex digits>");
        }
        return algo.toLowerCase(Locale.ROOT) + "=" + hex;
    }

    /** The user's checksum as an expectation; null for none. */
    public static Expected ofChecksum(String canonical) {
        if (canonical == null) {
            return null;
        }
        int eq = canonical.indexOf('=');
        String algo = jdkName(canonical.substring(0, eq));
        return new Expected(algo, HexFormat.of().parseHex(canonical.substring(eq + 1)), "--checksum");
    }

    /**
     * What a response says about the whole file. A 200's Content-Digest and Repr-Digest both cover
     * the body; a 206 carries only a range, so only its Repr-Digest (of the whole representation)
     * counts. Only sha-256 and sha-512 are taken from servers; other algorithms (RFC 9530 deprecates
     * md5, sha, crc32c…) and members that do not parse are ignored, never a failure.
     */
    public static List<Expected> fromResponse(int status, Map<String, String> headers) {
        List<Expected> out = new ArrayList<>();
        if (status != 200 && status != 206) {
            return out;
        }
        for (Map.Entry<String, String> h : headers.entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("repr-digest") || name.equals("content-digest") && status == 200) {
                parseField(h.getValue(), name.equals("repr-digest") ? "Repr-Digest" : "Content-Digest", out);
            }
        }
        return out;
    }

    /** An RFC 8941 dictionary of byte sequences: {@code sha-256=:BASE64:, sha-512=:BASE64:;param}. */
    private static void parseField(String value, String field, List<Expected> out) {
        for (String member : value.split(",")) {
            String m = member.strip();
            int semi = m.indexOf(';');
            if (semi >= 0) {
                m = m.substring(0, semi).strip();
            }
            int eq = m.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String key = m.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String v = m.substring(eq + 1).strip();
            if (!(key.equals("sha-256") || key.equals("sha-512")) || v.length() < 2 || !v.startsWith(":") || !v.endsWith(":")) {
                continue;
            }
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(v.substring(1, v.length() - 1));
            } catch (IllegalArgumentException e) {
                continue;
            }
            String algo = jdkName(key);
            if (bytes.length * 2 == hexLength(algo)) {
                out.add(new Expected(algo, bytes, field));
            }
        }
    }

    private static String jdkName(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "sha-256":
            case "sha256":
                return "SHA-256";
            case "sha-512":
            case "sha512":
                return "SHA-512";
            case "sha-1":
            case "sha1":
                return "SHA-1";
            case "md5":
                return "MD5";
            default:
                return null;
        }
    }

    private static int hexLength(String jdkAlgorithm) {
        switch (jdkAlgorithm) {
            case "SHA-512":
                return 128;
            case "SHA-1":
                return 40;
            case "MD5":
                return 32;
            default:
                return 64;
        }
    }
}

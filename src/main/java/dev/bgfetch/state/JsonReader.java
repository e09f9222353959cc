package dev.bgfetch.state;

import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A strict pull parser for the state files, with the part of jackson-core's {@code JsonParser} that
 * {@link StateJson} reads them with (same tokens, same texts; a test holds it to Jackson's own parser).
 * Not Jackson's parser: its base class holds BigDecimal constants, and from Java 25 on the first
 * BigDecimal of a JVM computes a table of large powers, ~23 ms of every {@code get} and {@code list}
 * on JDK 25 (0.4 ms on 17; bench/RESULTS.md, 2026-12-07, third session).
 *
 * <p>RFC 8259 JSON in UTF-8, one value and nothing after it; no comments, trailing commas, NaN,
 * leading zeros or raw control characters in strings, as Jackson's defaults refuse them. Damage is
 * an {@link IOException} naming the offset.
 */
final class JsonReader {
    private static final int MAX_DEPTH = 1000; // Jackson's default nesting limit

    private final String in;
    private int pos;
    private JsonToken token;
    private String text; // the current string, field name or number text
    private final String[] names = new String[MAX_DEPTH + 1]; // the current field name at each depth
    private final boolean[] inObject = new boolean[MAX_DEPTH + 1];
    private int depth;
    private boolean needComma; // a value was completed at this depth
    private boolean done; // the root value is complete

    JsonReader(byte[] utf8) throws IOException {
        this(decode(utf8));
        if (in.startsWith("\uFEFF")) {
            pos = 1; // a byte-order mark, which Jackson skips too
        }
    }

    JsonReader(String text) {
        this.in = text;
    }

    private static String decode(byte[] utf8) throws IOException {
        // The JDK's own decoding is fast (intrinsics) but replaces bad bytes with U+FFFD instead of
        // failing; only a text with that character, rare in our files, is decoded again strictly.
        String quick = new String(utf8, StandardCharsets.UTF_8);
        if (quick.indexOf('\uFFFD') < 0) {
            return quick;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("invalid UTF-8: " + e.getMessage(), e);
        }
    }

    /** The next token, or null at the end of the input (after the one value). */
    JsonToken nextToken() throws IOException {
        skipSpace();
        if (done) {
            if (pos < in.length()) {
                throw error("unexpected data after the end of the value");
            }
            return token = null;
        }
        if (pos >= in.length()) {
            if (depth == 0 && token == null) {
                return null; // empty input
            }
            throw error("unexpected end of input");
        }
        char c = in.charAt(pos);
        if (depth > 0 && inObject[depth] && token != JsonToken.FIELD_NAME) {
            // in an object, where a name (or the end) comes next
            if (c == '}') {
                pos++;
                return closed(JsonToken.END_OBJECT);
            }
            if (needComma) {
                expectChar(',');
                skipSpace();
                c = pos < in.length() ? in.charAt(pos) : 0;
            }
            if (c != '"') {
                throw error("expected a field name");
            }
            pos++;
            names[depth] = string();
            skipSpace();
            expectChar(':');
            text = names[depth];
            return token = JsonToken.FIELD_NAME;
        }
        if (depth > 0 && !inObject[depth]) {
            if (c == ']') {
                pos++;
                return closed(JsonToken.END_ARRAY);
            }
            if (needComma) {
                expectChar(',');
                skipSpace();
                if (pos >= in.length()) {
                    throw error("unexpected end of input");
                }
                c = in.charAt(pos);
            }
        }
        return value(c);
    }

    private JsonToken value(char c) throws IOException {
        switch (c) {
            case '{':
            case '[':
                if (depth == MAX_DEPTH) {
                    throw error("nesting deeper than " + MAX_DEPTH);
                }
                pos++;
                depth++;
                inObject[depth] = c == '{';
                names[depth] = null;
                needComma = false;
                text = null;
                return token = c == '{' ? JsonToken.START_OBJECT : JsonToken.START_ARRAY;
            case '"':
                pos++;
                text = string();
                return scalar(JsonToken.VALUE_STRING);
            case 't':
                literal("true");
                return scalar(JsonToken.VALUE_TRUE);
            case 'f':
                literal("false");
                return scalar(JsonToken.VALUE_FALSE);
            case 'n':
                literal("null");
                return scalar(JsonToken.VALUE_NULL);
            default:
                if (c == '-' || c >= '0' && c <= '9') {
                    return scalar(number());
                }
                throw error("unexpected character " + describe(c));
        }
    }

    private JsonToken scalar(JsonToken t) {
        needComma = true;
        done = depth == 0;
        return token = t;
    }

    private JsonToken closed(JsonToken t) {
        depth--;
        needComma = true;
        done = depth == 0;
        text = null;
        return token = t;
    }

    /** The field name of the current field (also while at its value), else null. */
    String currentName() {
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
            return depth > 1 && inObject[depth - 1] ? names[depth - 1] : null;
        }
        return depth > 0 && inObject[depth] ? names[depth] : null;
    }

    /** The current token's text: a string's or name's value, a number as written, true/false/null. */
    String getText() {
        if (token == null) {
            return null;
        }
        switch (token) {
            case VALUE_STRING:
            case FIELD_NAME:
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return text;
            default:
                return token.asString();
        }
    }

    /** A whole number that fits in a long (the caller has checked the token). */
    long getLongValue() throws IOException {
        if (token != JsonToken.VALUE_NUMBER_INT) {
            throw error("not a whole number");
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw error("number " + text + " is out of range of a long");
        }
    }

    /** At the start of an object or array: past its end. Else nothing. */
    void skipChildren() throws IOException {
        if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) {
            return;
        }
        int level = depth;
        while (depth >= level) {
            if (nextToken() == null) {
                throw error("unexpected end of input");
            }
        }
    }

    IOException error(String message) {
        return new IOException(message + " at offset " + pos);
    }

    // ---------------------------------------------------------------- lexing

    private void skipSpace() {
        while (pos < in.length()) {
            char c = in.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private void expectChar(char c) throws IOException {
        if (pos >= in.length()) {
            throw error("unexpected end of input");
        }
        if (in.charAt(pos) != c) {
            throw error("expected '" + c + "', found " + describe(in.charAt(pos)));
        }
        pos++;
    }

    private void literal(String word) throws IOException {
        if (!in.startsWith(word, pos)) {
            throw error("unexpected token");
        }
        pos += word.length();
        if (pos < in.length() && isWordChar(in.charAt(pos))) {
            throw error("unexpected token");
        }
    }

    private static boolean isWordChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$';
    }

    /** After the opening quote; returns the decoded string, past its closing quote. */
    private String string() throws IOException {
        int start = pos;
        // the common case: no escapes
        while (pos < in.length()) {
            char c = in.charAt(pos);
            if (c == '"') {
                return in.substring(start, pos++);
            }
            if (c == '\\') {
                break;
            }
            if (c < 0x20) {
                throw error("control character " + describe(c) + " in a string");
            }
            pos++;
        }
        StringBuilder b = new StringBuilder(in.length() - start).append(in, start, pos);
        while (pos < in.length()) {
            char c = in.charAt(pos++);
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("control character " + describe(c) + " in a string");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos >= in.length()) {
                break;
            }
            char e = in.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (pos + 4 > in.length()) {
                        throw error("unexpected end of input");
                    }
                    int v = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(in.charAt(pos + i), 16);
                        if (d < 0 || in.charAt(pos + i) > 'f') {
                            throw error("bad \\u escape");
                        }
                        v = v * 16 + d;
                    }
                    pos += 4;
                    b.append((char) v);
                }
                default -> throw error("bad escape \\" + e);
            }
        }
        throw error("unexpected end of input in a string");
    }

    /** A number by RFC 8259's grammar, its text kept; the token says whole or not. */
    private JsonToken number() throws IOException {
        int start = pos;
        if (in.charAt(pos) == '-') {
            pos++;
        }
        int intStart = pos;
        digits();
        if (pos == intStart) {
            throw error("expected a digit");
        }
        if (in.charAt(intStart) == '0' && pos - intStart > 1) {
            throw error("leading zero in a number");
        }
        boolean whole = true;
        if (pos < in.length() && in.charAt(pos) == '.') {
            pos++;
            whole = false;
            int f = pos;
            digits();
            if (pos == f) {
                throw error("expected a digit after the decimal point");
            }
        }
        if (pos < in.length() && (in.charAt(pos) == 'e' || in.charAt(pos) == 'E')) {
            pos++;
            whole = false;
            if (pos < in.length() && (in.charAt(pos) == '+' || in.charAt(pos) == '-')) {
                pos++;
            }
            int x = pos;
            digits();
            if (pos == x) {
                throw error("expected a digit in the exponent");
            }
        }
        if (pos < in.length() && isWordChar(in.charAt(pos)) || pos < in.length() && in.charAt(pos) == '.') {
            throw error("unexpected character " + describe(in.charAt(pos)) + " in a number");
        }
        text = in.substring(start, pos);
        return whole ? JsonToken.VALUE_NUMBER_INT : JsonToken.VALUE_NUMBER_FLOAT;
    }

    private void digits() {
        while (pos < in.length() && in.charAt(pos) >= '0' && in.charAt(pos) <= '9') {
            pos++;
        }
    }

    private static String describe(char c) {
        return c < 0x20 || c == 0x7f ? String.format("(code %d)", (int) c) : "'" + c + "'";
    }
}

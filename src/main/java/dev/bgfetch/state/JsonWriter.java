package dev.bgfetch.state;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;

/**
 * Writes the state files' JSON, compact and byte for byte as Jackson's generator did: objects,
 * arrays, strings, whole numbers, booleans and nulls, the text as UTF-8 with only the quote, the
 * backslash and control characters escaped.
 *
 * <p>Why not Jackson's generator: making the first one loads and initialises its factory, ~5-6 ms of
 * every `fetch` (async-profiler, 10 runs: 13 ms of its 24 ms of work went to registering, most of it
 * Jackson's set-up), and a generator per journal line is buffers and a context for a few hundred
 * bytes. Reading stays with {@link JsonReader}.
 */
final class JsonWriter implements Closeable {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final ByteArrayOutputStream out;
    private final StringBuilder text = new StringBuilder(256);
    /** Per open object or array, whether it has a value yet (a comma goes before the next one). */
    private boolean[] filled = new boolean[8];
    private int depth;

    JsonWriter(ByteArrayOutputStream out) {
        this.out = out;
    }

    void writeStartObject() {
        value();
        open('{');
    }

    void writeEndObject() {
        close('}');
    }

    void writeEndArray() {
        close(']');
    }

    void writeObjectFieldStart(String name) {
        field(name);
        open('{');
    }

    void writeArrayFieldStart(String name) {
        field(name);
        open('[');
    }

    void writeStringField(String name, String value) {
        field(name);
        if (value == null) {
            text.append("null");
        } else {
            string(value);
        }
    }

    void writeNumberField(String name, long value) {
        field(name);
        text.append(value);
    }

    void writeBooleanField(String name, boolean value) {
        field(name);
        text.append(value);
    }

    void writeNullField(String name) {
        field(name);
        text.append("null");
    }

    /** Puts what was written into the stream. */
    @Override
    public void close() {
        byte[] b = text.toString().getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
        text.setLength(0);
    }

    private void field(String name) {
        value();
        string(name);
        text.append(':');
    }

    /** A comma before any value but the first of its object or array. */
    private void value() {
        if (depth > 0) {
            if (filled[depth - 1]) {
                text.append(',');
            }
            filled[depth - 1] = true;
        }
    }

    private void open(char c) {
        text.append(c);
        if (depth == filled.length) {
            filled = java.util.Arrays.copyOf(filled, depth * 2);
        }
        filled[depth++] = false;
    }

    private void close(char c) {
        if (depth == 0) {
            throw new IllegalStateException("nothing open to close with " + c);
        }
        depth--;
        text.append(c);
    }

    private void string(String s) {
        text.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                text.append('\\').append(c);
            } else if (c < 0x20) {
                switch (c) {
                    case '\n' -> text.append("\\n");
                    case '\r' -> text.append("\\r");
                    case '\t' -> text.append("\\t");
                    case '\b' -> text.append("\\b");
                    case '\f' -> text.append("\\f");
                    default -> text.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                }
            } else {
                text.append(c);
            }
        }
        text.append('"');
    }
}

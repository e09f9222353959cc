package dev.bgfetch.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The state files' writer writes what Jackson's generator wrote, byte for byte, and what JsonReader reads back. */
class JsonWriterTest {
    /** Every ASCII character, the ones JSON must escape among them, then Latin-1, CJK, an emoji (a surrogate pair), U+2028. */
    static final String NASTY;

    static {
        StringBuilder b = new StringBuilder();
        for (char c = 0; c < 0x80; c++) {
            b.append(c);
        }
        NASTY = b + "é\u00ff日本\uD83D\uDE00\u2028\u007f\"\\/";
    }

    /** The calls both writers take, so one random sequence drives both. */
    private interface Out {
        void startObject() throws IOException;

        void endObject() throws IOException;

        void objectField(String name) throws IOException;

        void arrayField(String name) throws IOException;

        void endArray() throws IOException;

        void string(String name, String v) throws IOException;

        void number(String name, long v) throws IOException;

        void bool(String name, boolean v) throws IOException;

        void nul(String name) throws IOException;
    }

    private static Out ours(JsonWriter w) {
        return new Out() {
            public void startObject() { w.writeStartObject(); }
            public void endObject() { w.writeEndObject(); }
            public void objectField(String n) { w.writeObjectFieldStart(n); }
            public void arrayField(String n) { w.writeArrayFieldStart(n); }
            public void endArray() { w.writeEndArray(); }
            public void string(String n, String v) { w.writeStringField(n, v); }
            public void number(String n, long v) { w.writeNumberField(n, v); }
            public void bool(String n, boolean v) { w.writeBooleanField(n, v); }
            public void nul(String n) { w.writeNullField(n); }
        };
    }

    private static Out jackson(JsonGenerator g) {
        return new Out() {
            public void startObject() throws IOException { g.writeStartObject(); }
            public void endObject() throws IOException { g.writeEndObject(); }
            public void objectField(String n) throws IOException { g.writeObjectFieldStart(n); }
            public void arrayField(String n) throws IOException { g.writeArrayFieldStart(n); }
            public void endArray() throws IOException { g.writeEndArray(); }
            public void string(String n, String v) throws IOException { g.writeStringField(n, v); }
            public void number(String n, long v) throws IOException { g.writeNumberField(n, v); }
            public void bool(String n, boolean v) throws IOException { g.writeBooleanField(n, v); }
            public void nul(String n) throws IOException { g.writeNullField(n); }
        };
    }

    private static String piece(Random r) {
        int start = r.nextInt(NASTY.length());
        int end = Math.min(NASTY.length(), start + r.nextInt(12));
        String s = NASTY.substring(start, end);
        // a substring may cut the surrogate pair; Jackson refuses half a pair, so neither gets one here
        return s.replace("\uD83D", "").replace("\uDE00", "");
    }

    /** An object of random fields, nested objects and arrays of objects, from {@code seed}. */
    private static void document(Out o, long seed) throws IOException {
        Random r = new Random(seed);
        o.startObject();
        fields(o, r, 0);
        o.endObject();
    }

    private static void fields(Out o, Random r, int depth) throws IOException {
        int n = r.nextInt(8);
        for (int i = 0; i < n; i++) {
            String name = piece(r);
            switch (r.nextInt(depth < 3 ? 7 : 5)) {
                case 0 -> o.string(name, piece(r));
                case 1 -> o.number(name, r.nextBoolean() ? r.nextLong() : r.nextInt(1000) - 500);
                case 2 -> o.bool(name, r.nextBoolean());
                case 3 -> o.nul(name);
                case 4 -> o.string(name, r.nextBoolean() ? null : "");
                case 5 -> {
                    o.objectField(name);
                    fields(o, r, depth + 1);
                    o.endObject();
                }
                default -> {
                    o.arrayField(name);
                    for (int k = r.nextInt(3); k > 0; k--) {
                        o.startObject();
                        fields(o, r, depth + 1);
                        o.endObject();
                    }
                    o.endArray();
                }
            }
        }
    }

    @Test
    void writesWhatJacksonWroteByteForByte() throws IOException {
        JsonFactory jf = new JsonFactory();
        for (long seed = 0; seed < 500; seed++) {
            ByteArrayOutputStream a = new ByteArrayOutputStream();
            try (JsonWriter w = new JsonWriter(a)) {
                document(ours(w), seed);
            }
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (JsonGenerator g = jf.createGenerator(b)) {
                document(jackson(g), seed);
            }
            assertEquals(b.toString(StandardCharsets.UTF_8), a.toString(StandardCharsets.UTF_8), "seed " + seed);
        }
    }

    @Test
    void everyCharacterComesBackThroughTheReader() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonWriter w = new JsonWriter(out)) {
            w.writeStartObject();
            w.writeStringField(NASTY, NASTY);
            w.writeEndObject();
        }
        assertEquals(java.util.Map.of(NASTY, NASTY), StateJson.readFlat(out.toByteArray()));
    }

    @Test
    void closingWhatIsNotOpenIsAMistake() {
        JsonWriter w = new JsonWriter(new ByteArrayOutputStream());
        assertThrows(IllegalStateException.class, w::writeEndObject);
    }
}

package dev.bgfetch.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * JsonReader against Jackson's parser, which read the state files before it: the same tokens, texts,
 * names and whole numbers for what Jackson reads, and an error for what Jackson refuses, over
 * hand-picked documents and damaged copies of real state files.
 */
class JsonReaderTest {
    private static final JsonFactory JACKSON = new JsonFactory();

    /** The tokens of one document as both see them, or "error"; a second root value is an error too (StateJson.end). */
    private static List<String> jackson(byte[] data) {
        List<String> out = new ArrayList<>();
        try (JsonParser p = JACKSON.createParser(data)) {
            int depth = 0;
            boolean rootDone = false;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (rootDone) {
                    return List.of("error");
                }
                out.add(describe(t, p.getText(), p.currentName(), t == JsonToken.VALUE_NUMBER_INT ? longOf(p) : null));
                depth += t.isStructStart() ? 1 : t.isStructEnd() ? -1 : 0;
                rootDone = depth == 0;
            }
            return out;
        } catch (IOException e) {
            return List.of("error");
        }
    }

    private static String longOf(JsonParser p) {
        try {
            return Long.toString(p.getLongValue());
        } catch (IOException e) {
            return "too large";
        }
    }

    private static List<String> ours(byte[] data) {
        List<String> out = new ArrayList<>();
        try {
            JsonReader p = new JsonReader(data);
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                String whole = null;
                if (t == JsonToken.VALUE_NUMBER_INT) {
                    try {
                        whole = Long.toString(p.getLongValue());
                    } catch (IOException e) {
                        whole = "too large";
                    }
                }
                out.add(describe(t, p.getText(), p.currentName(), whole));
            }
            return out;
        } catch (IOException e) {
            return List.of("error");
        }
    }

    private static String describe(JsonToken t, String text, String name, String whole) {
        return t + " " + text + " @" + name + (whole == null ? "" : " =" + whole);
    }

    private static void same(String doc) {
        same(doc.getBytes(StandardCharsets.UTF_8));
    }

    private static void same(byte[] doc) {
        assertEquals(jackson(doc), ours(doc), () -> "document: " + new String(doc, StandardCharsets.UTF_8));
    }

    @Test
    void readsWhatJacksonReads() {
        for (String d : new String[] {
            "{}", "[]", "{\"a\":1}", " {\"a\" : [1, 2.5, -3e2, true, false, null, \"x\"] } ",
            "{\"a\":{\"b\":{\"c\":[[],[{}]]}},\"d\":\"\"}", "5", "-0", "\"top\"", "null", "true",
            "{\"n\":9223372036854775807,\"m\":-9223372036854775808}", "{\"big\":9223372036854775808}",
            "{\"f\":0.0,\"g\":1E+2,\"h\":1e-2,\"i\":-0.5}",
            "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\ud83d\\ude00\\u001b\"}",
            "{\"lone\":\"\\ud800x\"}", "{\"u\":\"é中😀\u2028\u007f\"}", "\uFEFF{\"bom\":1}",
            "{\"a\":1,\"a\":2}", "\t\r\n{\n\"x\"\t:\r1}\n",
        }) {
            same(d);
        }
    }

    @Test
    void refusesWhatJacksonRefuses() {
        for (String d : new String[] {
            "", "   ", "{", "}", "[", "]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[,1]", "{,}", "{\"a\" 1}",
            "{'a':1}", "{a:1}", "// c\n{}", "/* c */{}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":-Infinity}",
            "{\"a\":01}", "{\"a\":-01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":+1}", "{\"a\":-}",
            "{\"a\":1.2.3}", "{\"a\":12abc}", "{\"a\":tru}", "{\"a\":truex}", "{\"a\":nul}", "{\"a\":\"x}",
            "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u12g4\"}", "{\"a\":\"tab\there\"}", "{\"a\":\"nl\nhere\"}",
            "{} {}", "{}x", "[1 2]", "{\"a\":1 \"b\":2}", "[1]]", "{\"a\":[}", "\"abc", "{\"a\":\"\\",
        }) {
            same(d);
        }
        byte[] badUtf8 = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'};
        same(badUtf8);
        byte[] stray = {'{', (byte) 0xFF, '}'};
        same(stray);
    }

    @Test
    void damagedStateFilesReadAlikeOrFailAlike() throws IOException {
        Fetch f = new Fetch();
        f.key = "0000000001-abcd";
        f.id = "ep5 \u001b[31m é";
        f.title = "Episode \"5\"";
        f.dir = "/tmp/x";
        f.created = "2026-12-07T05:00:00Z";
        Fetch.Icon icon = new Fetch.Icon();
        icon.src = "https://h/i.png";
        f.icons.add(icon);
        Rec r = new Rec();
        r.request.url = "http://127.0.0.1:8080/a?b=c&d=%20";
        r.request.headers = Map.of("Authorization", "Bearer x");
        r.total = 1L << 40;
        r.downloaded = 12345;
        byte[][] docs = {StateJson.summary(f), StateJson.record(r), StateJson.flat(Map.of("pid", 42L, "started", "now"))};
        SplittableRandom rnd = new SplittableRandom(3);
        byte[] alphabet = "{}[],:\"\\ 0123456789-+.eEtrufalsn\u0000\n\tx".getBytes(StandardCharsets.ISO_8859_1);
        for (byte[] doc : docs) {
            same(doc);
            for (int cut = 0; cut < doc.length; cut++) {
                same(java.util.Arrays.copyOf(doc, cut));
            }
            for (int i = 0; i < 20_000; i++) {
                byte[] d = doc.clone();
                for (int k = rnd.nextInt(1, 4); k > 0; k--) {
                    d[rnd.nextInt(d.length)] = alphabet[rnd.nextInt(alphabet.length)];
                }
                same(d);
            }
        }
    }

    @Test
    void stateFilesRoundTripAndDamageIsAnIoException() throws IOException {
        Fetch f = new Fetch();
        f.key = "0000000002-beef";
        f.id = "x";
        f.dir = "/d";
        Fetch back = StateJson.readFetch(StateJson.summary(f));
        assertEquals(f.key, back.key);
        assertEquals(f.state, back.state);
        IOException e = assertThrows(IOException.class,
                () -> StateJson.readFetch("{\"key\":\"k\",\"state\":\"no-such-state\"}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("no-such-state"), e.getMessage());
        assertThrows(IOException.class, () -> StateJson.readRec("{\"index\":\"one\"}"));
        assertThrows(IOException.class, () -> StateJson.readRec("{\"index\":1} trailing"));
        assertThrows(IOException.class, () -> StateJson.readRec("["));
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 1200; i++) {
            deep.append('[');
        }
        assertThrows(IOException.class, () -> StateJson.readRec(deep.toString()));
    }
}

package dev.bgfetch.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The state files' hand-written JSON: what databind wrote is read alike, every field survives, damage is an error. */
class StateJsonTest {
    /** A summary and a journal line exactly as the databind-based bgfetch (before StateJson) wrote them. */
    private static final String OLD_SUMMARY = "{\"schema\":2,\"key\":\"0000000002-5b73\",\"id\":\"feed\",\"title\":\"\","
            + "\"icons\":[{\"src\":\"i.png\",\"sizes\":\"16x16\",\"type\":\"image/png\"}],\"uploadTotal\":0,\"uploaded\":0,"
            + "\"downloadTotal\":10485760,\"downloaded\":5,\"speed\":7,\"result\":\"\",\"failureReason\":\"\",\"state\":\"paused\","
            + "\"dir\":\"/tmp/tr/store/downloads\",\"created\":\"2026-12-04T14:28:49.767046551Z\",\"settled\":null,"
            + "\"options\":{\"onSuccess\":\"echo ok\",\"onFail\":null,\"onAbort\":null,\"contentDisposition\":true,"
            + "\"maxConnections\":4,\"maxPerHost\":null,\"split\":8,\"minSplitSize\":1048576,\"caCertificate\":null,"
            + "\"limitRate\":null,\"httpProxy\":\"http://127.0.0.1:3128\",\"httpsProxy\":null,\"noProxy\":null},"
            + "\"hookDone\":false,\"files\":2,\"filesDone\":1,\"knownTotal\":-1,\"retryReason\":\"timeout\",\"retryAt\":null}";
    private static final String OLD_RECORD = "{\"index\":1,\"request\":{\"url\":\"http://127.0.0.1:2/b/two.bin?X-Amz-Signature=0&token=1\","
            + "\"method\":\"GET\",\"headers\":{\"Authorization\":\"Bearer t\"}},\"response\":{\"url\":\"http://127.0.0.1:2/b\","
            + "\"status\":206,\"statusText\":\"Partial Content\",\"headers\":{\"etag\":\"\\\"x\\\"\"}},\"path\":null,\"downloaded\":3,"
            + "\"total\":9,\"result\":\"bad-status\",\"out\":\"first.bin\",\"checksum\":null,\"target\":\"/d/two.bin\",\"etag\":\"\\\"x\\\"\","
            + "\"lastModified\":null,\"error\":\"HTTP 500\",\"networkError\":null,\"retryAt\":null}";

    @Test
    void readsWhatDatabindWrote() throws IOException {
        Fetch f = StateJson.readFetch(OLD_SUMMARY.getBytes(StandardCharsets.UTF_8));
        assertEquals("0000000002-5b73", f.key);
        assertEquals("feed", f.id);
        assertEquals(FetchState.PAUSED, f.state);
        assertEquals(FetchResult.NONE, f.result);
        assertEquals(10485760, f.downloadTotal);
        assertEquals("16x16", f.icons.get(0).sizes);
        assertEquals("echo ok", f.options.onSuccess);
        assertTrue(f.options.contentDisposition);
        assertEquals(4, f.options.maxConnections);
        assertNull(f.options.maxPerHost);
        assertEquals(1048576L, f.options.minSplitSize);
        assertEquals("http://127.0.0.1:3128", f.options.httpProxy);
        assertEquals(2, f.files);
        assertEquals(1, f.filesDone);
        assertEquals("timeout", f.retryReason);
        assertNull(f.settled);
        assertEquals(List.of(), f.records, "a summary has no records");

        Rec r = StateJson.readRec(OLD_RECORD);
        assertEquals(1, r.index);
        assertEquals("Bearer t", r.request.headers.get("Authorization"));
        assertEquals(206, r.response.status);
        assertEquals("\"x\"", r.response.headers.get("etag"));
        assertEquals(9L, r.total);
        assertEquals(RecordResult.BAD_STATUS, r.result);
        assertEquals("/d/two.bin", r.target);
        assertEquals("HTTP 500", r.error);
    }

    @Test
    void writesWhatItReadsFieldForField() throws IOException {
        // Written back, the old files come out byte for byte: same names, same order, nulls kept.
        Fetch f = StateJson.readFetch(OLD_SUMMARY.getBytes(StandardCharsets.UTF_8));
        assertEquals(OLD_SUMMARY, new String(StateJson.summary(f), StandardCharsets.UTF_8));
        Rec r = StateJson.readRec(OLD_RECORD);
        assertEquals(OLD_RECORD, new String(StateJson.record(r), StandardCharsets.UTF_8));
        // A schema-1 file embedded its records: they are read with it.
        String schema1 = OLD_SUMMARY.replace("\"hookDone\"", "\"records\":[" + OLD_RECORD + "],\"hookDone\"");
        Fetch whole = StateJson.readFetch(schema1.getBytes(StandardCharsets.UTF_8));
        assertEquals(OLD_RECORD, new String(StateJson.record(whole.records.get(0)), StandardCharsets.UTF_8));
    }

    @Test
    void comparableLeavesOutTheByteCounts() throws IOException {
        Fetch f = StateJson.readFetch(OLD_SUMMARY.getBytes(StandardCharsets.UTF_8));
        byte[] before = StateJson.comparable(f);
        f.downloaded += 1000;
        f.speed = 99;
        assertArrayEquals(before, StateJson.comparable(f));
        f.filesDone++;
        assertTrue(!java.util.Arrays.equals(before, StateJson.comparable(f)));
    }

    @Test
    void skipsFieldsItDoesNotKnow() throws IOException {
        Fetch f = StateJson.readFetch(("{\"key\":\"k\",\"id\":\"a\",\"future\":{\"x\":[1,{\"y\":2}]},\"state\":\"settled\","
                + "\"result\":\"failure\",\"failureReason\":\"quota-exceeded\",\"later\":[true]}").getBytes(StandardCharsets.UTF_8));
        assertEquals("a", f.id);
        assertEquals(FetchState.SETTLED, f.state);
        assertEquals(FailureReason.QUOTA_EXCEEDED, f.failureReason);
    }

    @Test
    void damageIsAnError() {
        for (String bad : List.of("", "[]", "{\"id\":\"a\"", "{\"id\":\"a\"}{}", "{\"files\":\"two\"}",
                "{\"state\":\"sleeping\"}", "{\"files\":1.5}", "{\"hookDone\":\"yes\"}", "{\"options\":[]}",
                "{\"id\":{\"a\":1}}", "{\"files\":99999999999999999999999}")) {
            assertThrows(IOException.class, () -> StateJson.readFetch(bad.getBytes(StandardCharsets.UTF_8)), bad);
        }
        assertThrows(IOException.class, () -> StateJson.readRec("{\"index\":0,\"result\":\"maybe\"}"));
        assertThrows(IOException.class, () -> StateJson.readRec("{\"index\":0,\"request\":{\"url\":\"u\",\"headers\":[]}}"));
        assertThrows(IOException.class, () -> StateJson.readRec("{\"index\":0,\"req")); // a torn line
    }

    @Test
    void segmentMapsAndFlatFilesRoundTrip() throws IOException {
        SegmentMap m = new SegmentMap();
        m.validator = "\"etag\"";
        m.total = 100;
        m.segments = List.of(new SegmentMap.Part(0, 50, 10), new SegmentMap.Part(50, 100, 0));
        SegmentMap back = StateJson.readSegments(StateJson.segments(m));
        assertEquals("\"etag\"", back.validator);
        assertEquals(100, back.total);
        assertEquals(2, back.segments.size());
        assertEquals(10, back.segments.get(0).done);
        assertEquals(50, back.segments.get(1).start);
        assertThrows(IOException.class, () -> StateJson.readSegments("{\"segments\":[{\"start\":\"x\"}]}".getBytes(StandardCharsets.UTF_8)));

        Map<String, String> flat = StateJson.readFlat(StateJson.flat(new java.util.LinkedHashMap<>(Map.of("pid", 42L))));
        assertEquals("42", flat.get("pid"));
        assertEquals("settled", StateJson.readFlat("{\"records\":[{\"state\":\"x\"}],\"state\":\"settled\"}"
                .getBytes(StandardCharsets.UTF_8)).get("state"), "nested values are skipped");
    }
}

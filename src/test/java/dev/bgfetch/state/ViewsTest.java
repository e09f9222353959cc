package dev.bgfetch.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CLI's JSON text, written without an ObjectMapper, is byte for byte what ObjectMapper wrote. */
class ViewsTest {
    private static final String SUMMARY = "{\"schema\":2,\"key\":\"0000000002-5b73\",\"id\":\"feed \\u001b[31m\\\"q\\\" é 😀\","
            + "\"title\":\"T\\\\itle\\n2\",\"icons\":[{\"src\":\"i.png\",\"sizes\":\"16x16\",\"type\":\"image/png\"}],"
            + "\"uploadTotal\":0,\"uploaded\":0,\"downloadTotal\":10485760,\"downloaded\":5,\"speed\":7,\"result\":\"\","
            + "\"failureReason\":\"\",\"state\":\"paused\",\"dir\":\"/tmp/d\",\"created\":\"2026-12-04T14:28:49.767046551Z\","
            + "\"settled\":null,\"options\":{\"onSuccess\":\"echo ok\",\"onFail\":null,\"onAbort\":null,"
            + "\"contentDisposition\":true,\"maxConnections\":4,\"maxPerHost\":null,\"split\":8,\"minSplitSize\":1048576,"
            + "\"caCertificate\":null,\"limitRate\":null,\"httpProxy\":\"http://127.0.0.1:3128\",\"httpsProxy\":null,"
            + "\"noProxy\":null},\"hookDone\":false,\"files\":2,\"filesDone\":1,\"knownTotal\":-1,\"retryReason\":\"timeout\","
            + "\"retryAt\":null}";
    private static final String RECORD = "{\"index\":1,\"request\":{\"url\":\"http://127.0.0.1:2/b/two.bin?X-Amz-Signature=0\","
            + "\"method\":\"GET\",\"headers\":{\"Authorization\":\"Bearer t\",\"X-A\":\"1\"}},\"response\":{\"url\":\"http://127.0.0.1:2/b\","
            + "\"status\":206,\"statusText\":\"Partial Content\",\"headers\":{\"etag\":\"\\\"x\\\"\"}},\"path\":null,\"downloaded\":3,"
            + "\"total\":9,\"result\":\"bad-status\",\"out\":\"first.bin\",\"checksum\":null,\"target\":\"/d/two.bin\",\"etag\":\"\\\"x\\\"\","
            + "\"lastModified\":null,\"error\":\"HTTP 500\",\"networkError\":null,\"retryAt\":null}";

    @Test
    void theTextIsWhatObjectMapperWrote() throws IOException {
        Fetch f = StateJson.readFetch(SUMMARY.getBytes(StandardCharsets.UTF_8));
        f.records.add(StateJson.readRec(RECORD));
        f.records.add(StateJson.readRec(RECORD.replace("\"index\":1", "\"index\":2")
                .replace("\"total\":9", "\"total\":null")));
        ObjectNode odd = Views.object();
        odd.put("double", 0.1).put("big", new BigDecimal("1e400"))
                .put("huge", new BigInteger("123456789012345678901234567890")).put("float", 1.5f)
                .put("long", Long.MIN_VALUE).putNull("none").put("no", false);
        odd.putArray("empty");
        odd.putObject("nothing");
        odd.putArray("nested").add(Views.array()).add(Views.object().put("x", "\u0000\u007f\u2028"));
        ObjectMapper mapper = new ObjectMapper();
        for (var n : List.of(Views.fetch(f, true), Views.fetch(f, false), Views.records(f.records),
                Views.forgotten(List.of(f)), odd)) {
            assertEquals(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(n), Views.pretty(n));
            assertEquals(mapper.writeValueAsString(n), Views.compact(n));
        }
        assertTrue(Views.pretty(odd).contains("\"empty\" : [ ]"), Views.pretty(odd));
    }

    @Test
    void everyOptionFetchTookIsShownAndAProxysPasswordIsNot() throws IOException {
        // split, min-split-size, limit-rate, the CA and the proxies were stored and applied but shown nowhere
        Fetch f = StateJson.readFetch(SUMMARY.replace("\"limitRate\":null", "\"limitRate\":1000000")
                .replace("\"caCertificate\":null", "\"caCertificate\":\"-----BEGIN CERTIFICATE-----\"")
                .replace("\"httpsProxy\":null", "\"httpsProxy\":\"http://me:s3cret@proxy:3128\"")
                .replace("\"noProxy\":null", "\"noProxy\":\"localhost\"").getBytes(StandardCharsets.UTF_8));
        ObjectNode o = (ObjectNode) Views.fetch(f, false).get("options");
        assertEquals(8, o.get("split").intValue());
        assertEquals(1048576, o.get("minSplitSize").longValue());
        assertEquals(1000000, o.get("limitRate").longValue());
        assertEquals(true, o.get("caCertificate").booleanValue());
        assertEquals("http://127.0.0.1:3128", o.get("httpProxy").textValue());
        assertEquals("http://***@proxy:3128", o.get("httpsProxy").textValue());
        assertEquals("localhost", o.get("noProxy").textValue());
        assertEquals("http://***@p/x@y", Views.withoutPassword("http://u:p@p/x@y"));
        assertEquals("p:1", Views.withoutPassword("p:1"));
    }
}

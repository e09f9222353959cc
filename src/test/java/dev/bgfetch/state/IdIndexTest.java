package dev.bgfetch.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The id index (a registration's line in {@code ids}) and the worker's word that nothing was to do
 * ({@code worker.idle}): lookups by id read one file, yet a lost, torn or garbled index, or one an
 * older bgfetch never wrote, never lets an id be taken twice or a fetch be missed.
 */
class IdIndexTest {
    @TempDir
    Path tmp;

    Store open() {
        return Store.open(tmp.resolve("home"));
    }

    Path ids() {
        return tmp.resolve("home").resolve(IdIndex.FILE);
    }

    @Test
    void anyIdSurvivesTheLineItIsWrittenOn() throws IOException {
        IdIndex index = new IdIndex(tmp);
        Map<String, String> written = new java.util.LinkedHashMap<>();
        List<String> odd = List.of("plain", "with space", "new\nline", "cr\rtab\t", "100%", "%0041", "é ü 日本",
                "\ud83d\ude00 emoji", "lone \ud800 surrogate", "del\u007f", "esc\u001b[31m");
        for (int i = 0; i < odd.size(); i++) {
            written.put(Store.keyOf(i + 1, i), odd.get(i));
        }
        index.append(written);
        assertEquals(written, index.read());
        assertEquals(odd.size(), Files.readAllLines(tmp.resolve(IdIndex.FILE)).size(), "one line an id");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve(IdIndex.FILE))));
    }

    @Test
    void tornAndGarbledLinesAreSkipped() throws IOException {
        IdIndex index = new IdIndex(tmp);
        String good = Store.keyOf(1, 1) + " a\n";
        String noKey = "garbage line here\n";
        String badEscape = Store.keyOf(2, 2) + " b%zz\n";
        String zeros = "\0\0\0" + Store.keyOf(3, 3) + " c\n";
        String torn = Store.keyOf(4, 4) + " d";
        Files.writeString(tmp.resolve(IdIndex.FILE), good + noKey + badEscape + zeros + torn);
        assertEquals(Map.of(Store.keyOf(1, 1), "a"), index.read());
    }

    @Test
    void aLineAddedAfterATornLastLineStartsALineOfItsOwn() throws IOException {
        Store s = open();
        Fetch ep = s.register(StoreTest.fetch("ep10"));
        byte[] all = Files.readAllBytes(ids());
        Files.write(ids(), java.util.Arrays.copyOf(all, all.length - 2)); // "KEY ep1", cut by a crash
        // the lookup learns ep10's line back from its summary, and a registration adds one more
        assertEquals(StateException.Kind.ID_TAKEN, assertThrows(StateException.class,
                () -> s.register(StoreTest.fetch("ep10"))).kind());
        Fetch other = s.register(StoreTest.fetch("data12"));
        assertEquals(ep.key, s.find("ep10").orElseThrow().key);
        assertEquals(other.key, s.find("data12").orElseThrow().key);
        assertEquals(Map.of(ep.key, "ep10", other.key, "data12"), new IdIndex(tmp.resolve("home")).read());
    }

    @Test
    void registrationWritesItsLineAndGetFindsTheFetchByIt() throws IOException {
        Store s = open();
        Fetch a = s.register(StoreTest.fetch("a"));
        Fetch b = s.register(StoreTest.fetch("b"));
        assertEquals(Map.of(a.key, "a", b.key, "b"), new IdIndex(tmp.resolve("home")).read());
        // The index is what is read: b's summary no longer spelling "b" is not looked at for "a".
        assertEquals(a.key, s.find("a").orElseThrow().key);
        assertEquals(List.of("a", "b"), s.activeIds());
    }

    @Test
    void aLostOrTruncatedIndexStillRefusesATakenIdAndIsRebuilt() throws IOException {
        Store s = open();
        s.register(StoreTest.fetch("a"));
        Fetch b = s.register(StoreTest.fetch("b"));
        // A crash between b's directory and its line: the line is missing.
        Files.writeString(ids(), Files.readAllLines(ids()).get(0) + "\n");
        assertEquals(StateException.Kind.ID_TAKEN, assertThrows(StateException.class,
                () -> s.register(StoreTest.fetch("b"))).kind());
        assertTrue(new IdIndex(tmp.resolve("home")).read().containsKey(b.key), "b's line was learned back");
        // No index at all (a store of an older bgfetch).
        Files.delete(ids());
        assertEquals(StateException.Kind.ID_TAKEN, assertThrows(StateException.class,
                () -> s.register(StoreTest.fetch("a"))).kind());
        assertEquals("b", s.find("b").orElseThrow().id);
        assertEquals(2, new IdIndex(tmp.resolve("home")).read().size());
    }

    @Test
    void aDamagedSummaryIsNotLearnedAndStillReported() throws IOException {
        Store s = open();
        Fetch a = s.register(StoreTest.fetch("a"));
        Files.delete(ids());
        Files.writeString(tmp.resolve("home/active").resolve(a.key).resolve("fetch.json"), "{\"schema\":2,\"id\":");
        s.register(StoreTest.fetch("b"));
        assertFalse(new IdIndex(tmp.resolve("home")).read().containsKey(a.key));
        assertTrue(s.warnings().stream().anyMatch(w -> w.contains("corrupt state file")), s.warnings().toString());
    }

    @Test
    void forgetDropsTheLinesOfTheFetchesItRemoves() throws IOException {
        Store s = open();
        Fetch a = s.register(StoreTest.fetch("a"));
        s.register(StoreTest.fetch("b"));
        s.abort("a");
        s.forget("a");
        Map<String, String> left = new IdIndex(tmp.resolve("home")).read();
        assertFalse(left.containsKey(a.key), left.toString());
        assertEquals(List.of("b"), List.copyOf(left.values()));
        s.register(StoreTest.fetch("a"));
        assertEquals(List.of("b", "a"), s.activeIds());
    }

    @Test
    void aKeyStillNamedByTheIndexIsNeverGivenToANewFetch() throws IOException {
        Store s = open();
        // Lines for every key the next registration could draw (sequence 1), as a crash could leave them.
        StringBuilder lines = new StringBuilder();
        for (int chance = 0; chance < 0x10000; chance++) {
            if (chance != 0x1234) {
                lines.append(Store.keyOf(1, chance)).append(" old\n");
            }
        }
        Files.createDirectories(tmp.resolve("home"));
        Files.writeString(ids(), lines);
        Fetch f = s.register(StoreTest.fetch("new"));
        assertEquals(Store.keyOf(1, 0x1234), f.key);
        assertEquals("new", new IdIndex(tmp.resolve("home")).read().get(f.key));
        assertEquals("new", s.find("new").orElseThrow().id);
    }

    @Test
    void theIdleWordSparesTheScanAndAnythingThatMakesWorkTakesItBack() throws IOException {
        Store s = open();
        Fetch a = s.register(StoreTest.fetch("a"));
        assertTrue(s.needsWorker());
        assertFalse(s.retireIfIdle(), "a pending fetch keeps the worker");
        assertFalse(s.workerFiles().idle());

        s.pause("a");
        assertFalse(s.needsWorker());
        assertTrue(s.retireIfIdle());
        assertTrue(s.workerFiles().idle());
        assertFalse(s.needsWorker());

        s.resume("a");
        assertFalse(s.workerFiles().idle(), "a resume is work");
        assertTrue(s.needsWorker());

        s.pause("a");
        assertTrue(s.retireIfIdle());
        s.register(StoreTest.fetch("b"));
        assertFalse(s.workerFiles().idle(), "a registration is work");

        s.pause("b");
        assertTrue(s.retireIfIdle());
        Fetch hooked = StoreTest.fetch("c");
        hooked.options.onAbort = "true";
        s.register(hooked);
        s.pause("c");
        assertTrue(s.retireIfIdle());
        s.abort("c");
        assertFalse(s.workerFiles().idle(), "an abort's hook is work");
        assertTrue(s.needsWorker());

        s.update(s.find("c").orElseThrow().key, f -> f.hookDone = true);
        assertTrue(s.retireIfIdle());
        s.workerStarting();
        assertFalse(s.workerFiles().idle(), "a worker started by hand takes it back");
        assertEquals(List.of("a", "b"), s.activeIds());
        assertTrue(Files.exists(tmp.resolve("home/active").resolve(a.key)));
    }

    @Test
    void withTheIdleWordListReadsNoSummary() throws IOException {
        Store s = open();
        Fetch a = s.register(StoreTest.fetch("a"));
        s.register(StoreTest.fetch("b"));
        s.pause("a");
        s.pause("b");
        assertTrue(s.retireIfIdle());
        // A summary that would not parse is not read: the ids come from the names and the index.
        Path summary = tmp.resolve("home/active").resolve(a.key).resolve("fetch.json");
        byte[] good = Files.readAllBytes(summary);
        Files.write(summary, "not json".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.TRUNCATE_EXISTING);
        assertEquals(List.of("a", "b"), s.activeIds());
        assertTrue(s.warnings().isEmpty(), s.warnings().toString());
        Files.write(summary, good);
        // Without it, every summary is read as before.
        s.workerStarting();
        assertEquals(List.of("a", "b"), s.activeIds());
    }

    @Test
    void somethingElseAtEitherNameIsNoIndexAndNoWordAndBreaksNoRegistration() throws IOException {
        Store s = open();
        Files.createDirectories(ids().resolve("junk"));
        Files.createDirectories(tmp.resolve("home/worker.idle/junk"));
        Fetch a = s.register(StoreTest.fetch("a"));
        assertEquals(a.key, s.find("a").orElseThrow().key);
        assertEquals(StateException.Kind.ID_TAKEN, assertThrows(StateException.class,
                () -> s.register(StoreTest.fetch("a"))).kind());
        assertFalse(s.workerFiles().idle(), "a directory is not the word");
        assertTrue(s.needsWorker());
        s.pause("a");
        assertTrue(s.retireIfIdle(), "nothing to do; the word cannot be left, which only costs a scan");
        assertFalse(s.needsWorker());
        s.abort("a");
        s.forget("a");
        assertTrue(s.find("a").isEmpty());
    }

    @Test
    void aRegistrationByAnOlderBgfetchVoidsTheWord() throws IOException, InterruptedException {
        Store s = open();
        s.register(StoreTest.fetch("a"));
        s.pause("a");
        assertTrue(s.retireIfIdle());
        assertFalse(s.needsWorker());
        Thread.sleep(20); // past the file system's clock tick
        // What an older bgfetch's registration does: a directory in active/, no index line, the word left.
        Fetch old = StoreTest.fetch("older");
        old.key = Store.keyOf(99, 0x99);
        old.created = java.time.Instant.now().toString();
        old.schema = Store.DISK_SCHEMA;
        old.summarize();
        s.dirs().createDir(tmp.resolve("home/active"), old);
        assertTrue(s.workerFiles().idle(), "the word is still there");
        assertTrue(s.needsWorker(), "but active/ changed after it");
        assertEquals(List.of("a", "older"), s.activeIds());
        assertEquals("older", s.find("older").orElseThrow().id);
    }
}

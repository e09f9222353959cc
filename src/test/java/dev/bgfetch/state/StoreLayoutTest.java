package dev.bgfetch.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §4.14, §4.16: the schema-2 layout (summary, record journal, progress file), the migration of a
 * schema-1 store, and torn or damaged journal and progress files.
 */
class StoreLayoutTest {
    /** Files written by the schema-1 code (commit 00236ff): a success, a failure, a paused active fetch. */
    private static final String[] SCHEMA1 = {"settled/0000000001-a9e7.json", "settled/0000000002-0533.json",
        "active/0000000003-fd41.json"};
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path home() {
        return tmp.resolve("home");
    }

    private void writeSchema1Store() throws IOException {
        for (String name : SCHEMA1) {
            Path to = home().resolve(name);
            Files.createDirectories(to.getParent());
            try (InputStream in = getClass().getResourceAsStream("/schema1/" + name)) {
                Files.write(to, in.readAllBytes());
            }
        }
    }

    private String schema1(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/schema1/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> ids(List<Fetch> fetches) {
        return fetches.stream().map(f -> f.id).collect(Collectors.toList());
    }

    @Test
    void aSchema1StoreIsMigratedAndReadsBackAsItWas() throws IOException {
        writeSchema1Store();
        Store s = Store.open(home());
        assertEquals(List.of(), s.warnings());
        assertEquals(List.of("paused"), ids(s.active()));
        assertEquals(List.of("done", "held"), ids(s.settled()));
        for (String name : SCHEMA1) {
            Path old = home().resolve(name);
            assertFalse(Files.exists(old), "old file removed: " + name);
            Path dir = old.resolveSibling(old.getFileName().toString().replace(".json", ""));
            assertTrue(Files.readString(dir.resolve("fetch.json")).contains("\"schema\":2"), name);
            // The public view of each fetch is exactly what the schema-1 code showed.
            Fetch before = StateJson.readFetch(schema1(name).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Fetch after = s.find(before.id).orElseThrow();
            assertEquals(Views.fetch(before, true), Views.fetch(after, true), name);
            assertEquals(Views.fetch(before, false), Views.fetch(
                    s.all().stream().filter(f -> f.key.equals(before.key)).findFirst().orElseThrow(), false), name);
        }
        Fetch paused = s.find("paused").orElseThrow();
        assertEquals(FetchState.PAUSED, paused.state);
        assertEquals("/tmp/s1dl/c.bin", paused.records.get(1).target, "reservations survive");
        assertEquals("Bearer t", s.find("done").orElseThrow().records.get(0).request.headers.get("Authorization"));
        // It works as a schema-2 store from then on.
        assertEquals(FetchState.PENDING, s.resume("paused").state);
        assertEquals("aborted", s.abort("paused").failureReason.wire());
        assertTrue(s.find("paused").orElseThrow().hasSettled());
        assertEquals(4, s.register(StoreTest.fetch("next")).key.charAt(9) - '0', "sequence goes on");
    }

    @Test
    void aMigrationCutShortByACrashIsDoneAgainOnTheNextOpen() throws IOException {
        writeSchema1Store();
        // Crash 1: the new directory of one fetch was half built aside.
        Path half = home().resolve("active/.0000000003-fd41.new");
        Files.createDirectories(half);
        Files.writeString(half.resolve("fetch.json"), "{\"schema\":2,\"key\":\"0000000003-fd41\",\"id");
        // Crash 2: another fetch's new directory was renamed into place, its old file not yet removed.
        Store.open(tmp.resolve("other")); // a scratch store builds a complete directory of the right shape
        Path settled = home().resolve("settled");
        Path old = settled.resolve("0000000001-a9e7.json");
        Path saved = tmp.resolve("saved.json");
        Files.copy(old, saved);
        Store first = Store.open(home());
        assertEquals(List.of("done", "held"), ids(first.settled()));
        Files.copy(saved, old); // as if the crash came before the old file's removal
        Files.writeString(old, Files.readString(old).replace("\"title\":\"\"", "\"title\":\"stale\""));

        Store s = Store.open(home());
        assertEquals(List.of(), s.warnings());
        assertFalse(Files.exists(old), "the old file of a migrated fetch goes");
        assertEquals("", s.find("done").orElseThrow().title, "the complete new directory wins");
        assertEquals(List.of("done", "held"), ids(s.settled()), "no fetch twice");
        assertEquals(List.of("paused"), ids(s.active()));
        assertEquals(2, s.find("paused").orElseThrow().records.size());
    }

    @Test
    void aSchema1FileOfANewerBgfetchIsLeftUntouchedByTheMigration() throws IOException {
        writeSchema1Store();
        Path future = home().resolve("active/0000000009-aaaa.json");
        String text = schema1("active/0000000003-fd41.json").replace("\"schema\":1", "\"schema\":3")
                .replace("0000000003-fd41", "0000000009-aaaa").replace("\"paused\"", "\"future\"");
        Files.writeString(future, text);
        Store s = Store.open(home());
        assertEquals(List.of("paused"), ids(s.active()));
        assertEquals(text, Files.readString(future), "never rewritten");
        assertEquals(1, s.warnings().size(), s.warnings().toString());
        assertTrue(s.warnings().get(0).contains(future.toString()) && s.warnings().get(0).contains("newer"));
        assertTrue(Files.notExists(home().resolve("broken")));
    }

    @Test
    void aTornJournalTailIsIgnoredAndTheNextAppendCutsItOff() throws IOException {
        Store s = Store.open(home());
        Fetch f = s.register(twoRecords("torn"));
        Path journal = home().resolve("active").resolve(f.key).resolve("records.jsonl");
        s.recordChanges(f.key, summary -> {
            Rec r = s.byKey(f.key).orElseThrow().records.get(0);
            r.target = "/tmp/torn.bin";
            return List.of(r);
        });
        // A crash in the middle of the next append:
        Files.writeString(journal, "{\"index\":1,\"request\":{\"url\":\"http://127.0.0.1:1/x", StandardOpenOption.APPEND);
        Fetch read = s.byKey(f.key).orElseThrow();
        assertEquals("/tmp/torn.bin", read.records.get(0).target, "the whole lines are kept");
        assertEquals(null, read.records.get(1).target);
        assertEquals(List.of(), s.warnings(), "a torn tail is not damage");

        s.recordChanges(f.key, summary -> {
            Rec r = s.byKey(f.key).orElseThrow().records.get(1);
            r.target = "/tmp/second.bin";
            return List.of(r);
        });
        Fetch after = Store.open(home()).byKey(f.key).orElseThrow();
        assertEquals("/tmp/second.bin", after.records.get(1).target);
        assertTrue(Files.readString(journal).endsWith("\n"));
        for (String line : Files.readAllLines(journal)) {
            JSON.readTree(line); // every line whole
        }
    }

    /** Emptied and zero-filled are what a power loss leaves: no bad line, yet no record (it was left active for good). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"garbled", "emptied", "zero-filled", "one record lost"})
    void aDamagedJournalIsReportedOnceAndMovedAsideAndTheRestWorks(String damage) throws IOException {
        Store s = Store.open(home());
        Fetch good = s.register(twoRecords("good"));
        Fetch bad = s.register(twoRecords("bad"));
        Path journal = home().resolve("active").resolve(bad.key).resolve("records.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(journal));
        switch (damage) {
            case "garbled" -> lines.set(0, "{\"index\":0,\"requ#garbage");
            case "emptied" -> lines.clear();
            case "zero-filled" -> lines = null;
            default -> lines.remove(1);
        }
        if (lines == null) {
            Files.write(journal, new byte[(int) Files.size(journal)]); // no newline: no line at all
            lines = List.of(new String(new byte[(int) Files.size(journal)], java.nio.charset.StandardCharsets.ISO_8859_1));
        } else {
            Files.write(journal, lines);
        }

        Store fresh = Store.open(home());
        assertEquals(List.of("good", "bad"), ids(fresh.active()), "list reads summaries only");
        assertTrue(fresh.find("bad").isEmpty());
        fresh.find("bad");
        assertEquals(1, fresh.warnings().size(), fresh.warnings().toString());
        assertTrue(fresh.warnings().get(0).contains("corrupt state file " + journal), fresh.warnings().get(0));
        try (Stream<Path> kept = Files.list(home().resolve("broken"))) {
            Path aside = kept.findFirst().orElseThrow();
            assertEquals(lines, Files.readAllLines(aside.resolve("records.jsonl"), java.nio.charset.StandardCharsets.ISO_8859_1),
                    "kept as it was");
        }
        assertEquals(List.of("good"), ids(fresh.active()));
        assertEquals(2, fresh.find("good").orElseThrow().records.size());
        assertEquals("aborted", fresh.abort("good").failureReason.wire());
    }

    @Test
    void aDamagedOrShortProgressFileIsIgnored() throws IOException {
        Store s = Store.open(home());
        Fetch f = s.register(twoRecords("p"));
        Path progress = home().resolve("active").resolve(f.key).resolve("progress.bin");
        s.publishProgress(f.key, 300, 50, new long[] {100, 200});
        assertEquals(300, s.summary(f.key).orElseThrow().downloaded);
        assertEquals(200, s.byKey(f.key).orElseThrow().records.get(1).downloaded);
        assertEquals(50, s.active().get(0).speed);

        for (byte[] damaged : List.of(new byte[0], new byte[20], Files.readAllBytes(progress).clone())) {
            if (damaged.length > 20) {
                damaged = java.util.Arrays.copyOf(damaged, damaged.length - 3); // short: the last count cut
            }
            Files.write(progress, damaged);
            Fetch read = s.byKey(f.key).orElseThrow();
            assertEquals(0, read.downloaded, "journal's counts, not garbage");
            assertEquals(0, s.summary(f.key).orElseThrow().downloaded);
        }
        Files.writeString(progress, "not a progress file at all, but long enough to hold a header.......");
        assertEquals(0, s.summary(f.key).orElseThrow().downloaded);
        assertEquals(List.of(), s.warnings(), "progress may be lost: nothing to report");
        assertTrue(Files.exists(progress), "and nothing moved aside");
    }

    @Test
    void aRunsChangesAppendOnlyWhatChangedAndSettlingCompactsAndMoves() throws IOException {
        Store s = Store.open(home());
        Fetch reg = new Fetch();
        reg.id = "big";
        reg.dir = "/tmp";
        for (int i = 0; i < 1000; i++) {
            Rec r = new Rec();
            r.index = i;
            r.request.url = "http://127.0.0.1:8080/" + i;
            reg.records.add(r);
        }
        Fetch f = s.register(reg);
        Path dir = home().resolve("active").resolve(f.key);
        Fetch run = s.byKey(f.key).orElseThrow();
        long lines = Files.readAllLines(dir.resolve("records.jsonl")).size();
        String stamp = s.activeStamp(f.key);
        s.recordChanges(f.key, summary -> {
            summary.downloaded = 12345; // byte counts alone do not rewrite the summary
            return List.of();
        });
        assertEquals(stamp, s.activeStamp(f.key), "summary not rewritten for byte counts");

        Rec done = run.records.get(7);
        done.result = RecordResult.SUCCESS;
        done.path = "/tmp/7";
        s.recordChanges(f.key, summary -> {
            summary.filesDone = 1;
            return List.of(done);
        });
        assertEquals(lines + 1, Files.readAllLines(dir.resolve("records.jsonl")).size(), "one line appended");
        assertEquals(1, s.summary(f.key).orElseThrow().filesDone, "summary rewritten for a result");
        assertEquals(RecordResult.SUCCESS, s.byKey(f.key).orElseThrow().records.get(7).result);

        s.publishProgress(f.key, 5, 1, new long[1000]);
        s.recordChanges(f.key, summary -> {
            summary.settle();
            return List.of();
        });
        Path settled = home().resolve("settled").resolve(f.key);
        assertFalse(Files.exists(dir));
        assertEquals(1000, Files.readAllLines(settled.resolve("records.jsonl")).size(), "compacted");
        assertFalse(Files.exists(settled.resolve("progress.bin")));
        Fetch end = s.find("big").orElseThrow();
        assertEquals("/tmp/7", end.records.get(7).path);
        assertEquals(1, end.filesDone);
        assertTrue(s.isSettled(f.key));
    }

    @Test
    void aSettleWhoseMoveACrashCutShortReadsAsSettledAndIsFinished() throws IOException {
        Store s = Store.open(home());
        Fetch f = s.register(twoRecords("cut"));
        s.abort("cut");
        // As a crash after the settled summary and before the rename leaves it:
        Files.move(home().resolve("settled").resolve(f.key), home().resolve("active").resolve(f.key));
        assertTrue(s.isSettled(f.key), "wait sees it settled");
        assertEquals(List.of(), ids(s.active()));
        assertEquals(List.of("cut"), ids(s.settled()));
        assertEquals(FailureReason.ABORTED, s.settledFailureReason(f.key).orElseThrow());
        s.finishInterruptedSettles();
        assertTrue(Files.isDirectory(home().resolve("settled").resolve(f.key)));
        assertFalse(Files.exists(home().resolve("active").resolve(f.key)));
        assertEquals(2, s.find("cut").orElseThrow().records.size());
    }

    private static Fetch twoRecords(String id) {
        Fetch f = StoreTest.fetch(id);
        Rec r = new Rec();
        r.index = 1;
        r.request.url = "http://127.0.0.1:8080/" + id + "/2";
        f.records.add(r);
        return f;
    }
}

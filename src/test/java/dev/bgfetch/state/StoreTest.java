package dev.bgfetch.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §4.2, §4.14, §4.16, §4.17: atomic id check, private files, damaged files kept aside. */
class StoreTest {
    @TempDir
    Path tmp;

    static Fetch fetch(String id) {
        Fetch f = new Fetch();
        f.id = id;
        f.dir = "/tmp";
        Rec r = new Rec();
        r.request.url = "http://127.0.0.1:8080/" + id;
        f.records.add(r);
        return f;
    }

    /** A fetch of {@code n} records, URLs {@code /ID}, {@code /ID1}, {@code /ID2}… */
    static Fetch fetch(String id, int n) {
        Fetch f = fetch(id);
        for (int i = 1; i < n; i++) {
            Rec r = new Rec();
            r.request.url = "http://127.0.0.1:8080/" + id + i;
            r.index = i;
            f.records.add(r);
        }
        return f;
    }

    @Test
    void aFetchDirectoryNameIsTenDigitsAndFourHexDigits() {
        assertEquals("0000000042-03af", Store.keyOf(42, 0x3af));
        assertEquals("0000000001-0000", Store.keyOf(1, 0));
        assertEquals("9999999999-ffff", Store.keyOf(9_999_999_999L, 0xffff));
        assertEquals("12345678901-0a0b", Store.keyOf(12_345_678_901L, 0x0a0b));
    }

    @Test
    void registerAssignsOrderedKeysAndRefusesATakenId() {
        Store s = Store.open(tmp.resolve("home"));
        Fetch a = s.register(fetch("a"));
        Fetch b = s.register(fetch("b"));
        assertTrue(a.key.compareTo(b.key) < 0);
        StateException e = assertThrows(StateException.class, () -> s.register(fetch("a")));
        assertEquals(StateException.Kind.ID_TAKEN, e.kind());
        assertEquals(List.of("a", "b"), s.active().stream().map(f -> f.id).collect(Collectors.toList()));
    }

    @Test
    void anIdIsTakenHoweverItsSummarySpellsItAndFreedOnceSettled() throws IOException {
        Path home = tmp.resolve("home");
        Store s = Store.open(home);
        String odd = "é \"q\" \\ /x";
        s.register(fetch(odd));
        assertEquals(StateException.Kind.ID_TAKEN, assertThrows(StateException.class, () -> s.register(fetch(odd))).kind());
        // A summary written with escapes our writer does not use still names its id.
        Fetch x = s.register(fetch("x"));
        Path summary = home.resolve("active").resolve(x.key).resolve("fetch.json");
        String text = Files.readString(summary);
        Files.writeString(summary, text.replace("\"id\":\"x\"", "\"id\" : \"\\u0078\""));
        assertTrue(Files.readString(summary).contains("\\u0078"), "the spelling was changed");
        assertEquals(StateException.Kind.ID_TAKEN, assertThrows(StateException.class, () -> s.register(fetch("x"))).kind());
        s.abort("x");
        assertEquals("x", s.register(fetch("x")).id, "a settled fetch's id is free again");
    }

    @Test
    void aDamagedSummaryDoesNotStopARegistrationAndIsMovedAside() throws IOException {
        Path home = tmp.resolve("home");
        Store s = Store.open(home);
        Fetch a = s.register(fetch("a"));
        Files.writeString(home.resolve("active").resolve(a.key).resolve("fetch.json"), "{\"schema\":2,\"key\":");
        assertEquals("b", s.register(fetch("b")).id);
        assertEquals("a", s.register(fetch("a")).id, "the damaged one no longer holds its id");
        assertEquals(1, s.warnings().size(), s.warnings().toString());
        assertTrue(s.warnings().get(0).contains("fetch.json"), s.warnings().get(0));
        try (Stream<Path> broken = Files.list(home.resolve("broken"))) {
            assertEquals(1, broken.count(), "kept aside, not deleted");
        }
    }

    @Test
    void aWorkerIsNeededForARunningFetchOrAnOwedHookNotForPausedOnes() {
        Store s = Store.open(tmp.resolve("home"));
        assertTrue(!s.needsWorker(), "an empty store");
        for (int i = 0; i < 5; i++) {
            s.register(fetch("p" + i));
            s.pause("p" + i);
        }
        assertTrue(!s.needsWorker(), "only paused fetches");
        Fetch hooked = fetch("h");
        hooked.options.onAbort = "true";
        s.register(hooked);
        assertTrue(s.needsWorker(), "a fetch to run");
        s.abort("h");
        assertTrue(s.needsWorker(), "a settled fetch owing its on-abort hook");
        s.update(s.find("h").orElseThrow().key, f -> f.hookDone = true);
        assertTrue(!s.needsWorker(), "the hook has run");
    }

    @Test
    void keysAfterNamesLaterRegistrationsActiveOrSettledAndNothingElse() throws IOException {
        Path home = tmp.resolve("home");
        Store s = Store.open(home);
        Fetch a = s.register(fetch("a"));
        Fetch b = s.register(fetch("b"));
        Fetch c = s.register(fetch("c"));
        s.abort("b");
        Files.createDirectories(home.resolve("active").resolve("." + "9999999999-ffff" + ".new"));
        Files.writeString(home.resolve("settled").resolve("old.json"), "{}");
        assertEquals(List.of(a.key, b.key, c.key), s.keysAfter(null));
        assertEquals(List.of(b.key, c.key), s.keysAfter(a.key), "b has settled, and is still named");
        assertEquals(List.of(), s.keysAfter(c.key));
        assertTrue(Store.isKey("0000000001-00af") && !Store.isKey("0000000001-00AF") && !Store.isKey("000000001-00af0")
                && !Store.isKey("0000000001_00af") && !Store.isKey("000000000x-00af"));
    }

    @Test
    void aHundredConcurrentRegistrationsAllLandAndOneIdWinsOnce() throws Exception {
        Store s = Store.open(tmp.resolve("home"));
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Callable<Boolean>> tasks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String id = "f" + i;
            tasks.add(() -> Store.open(tmp.resolve("home")).register(fetch(id)) != null);
        }
        for (int i = 0; i < 20; i++) {
            tasks.add(() -> {
                try {
                    Store.open(tmp.resolve("home")).register(fetch("same"));
                    return true;
                } catch (StateException e) {
                    return false;
                }
            });
        }
        int same = 0;
        for (Future<Boolean> f : pool.invokeAll(tasks)) {
            if (f.get()) {
                same++;
            }
        }
        pool.shutdown();
        assertEquals(101, same, "100 distinct + exactly one 'same'");
        assertEquals(101, s.active().size());
        assertEquals(101, s.active().stream().map(f -> f.key).distinct().count());
    }

    @Test
    void aFetchSettlingWhileAReaderLooksAlwaysExists() throws Exception {
        Store s = Store.open(tmp.resolve("home"));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < 150; i++) {
                Fetch f = s.register(fetch("r" + i));
                java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
                Future<Integer> looks = pool.submit(() -> {
                    int misses = 0;
                    while (!done.get()) {
                        misses += Store.open(tmp.resolve("home")).exists(f.key) ? 0 : 1;
                    }
                    return misses;
                });
                Thread.sleep(1);
                s.abort("r" + i); // moves the fetch from active/ to settled/
                Thread.sleep(1);
                done.set(true);
                assertEquals(0, looks.get(), "a fetch moving to settled/ was seen as gone (round " + i + ")");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aJournalReadFromAnOffsetLeavesATornLastLineForTheNextRead() throws IOException {
        Path j = tmp.resolve("j.jsonl");
        Files.writeString(j, "{\"a\":1}\n{\"b\":2}\n{\"c\"");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(j)) {
            Journal.Tail first = Journal.readFrom(ch, 0);
            assertEquals(List.of("{\"a\":1}", "{\"b\":2}"), first.lines);
            assertEquals(16, first.end);
            Files.writeString(j, ":3}\n", java.nio.file.StandardOpenOption.APPEND);
            Journal.Tail next = Journal.readFrom(ch, first.end);
            assertEquals(List.of("{\"c\":3}"), next.lines, "the torn line, whole once its newline is there");
            assertEquals(Files.size(j), next.end);
        }
    }

    @Test
    void aFollowerReadsOnlyWhatChangedAndSeesTheSettle() throws Exception {
        Store s = Store.open(tmp.resolve("home"));
        Fetch f = fetch("w", 3);
        Fetch stored = s.register(f);
        FetchFollower follower = s.follower(stored.key);
        Fetch first = follower.poll().orElseThrow();
        assertEquals(3, first.records.size());
        s.publishProgress(stored.key, 30, 7, new long[] {10, 20, 0});
        Fetch moved = follower.poll().orElseThrow();
        assertEquals(30, moved.downloaded);
        assertEquals(20, moved.records.get(1).downloaded);
        assertEquals(7, moved.speed);
        s.recordChanges(stored.key, run -> {
            Rec r = s.byKey(stored.key).orElseThrow().records.get(2);
            r.total = 99L;
            return List.of(r);
        });
        assertEquals(Long.valueOf(99), follower.poll().orElseThrow().records.get(2).total,
                "a record appended to the journal is read on");
        s.abort("w");
        Fetch settled = follower.poll().orElseThrow();
        assertTrue(settled.hasSettled());
        assertEquals("aborted", settled.failureReason.wire());
        s.forget("w");
        assertTrue(follower.poll().isEmpty(), "a forgotten fetch is gone");
    }

    /**
     * A settling worker hands over every record, so the journal is not parsed back: the records it
     * holds are written whole (for a group of 10,000 that read was the worker's largest cost). A
     * journal damaged meanwhile is proof: reading it back would have moved the fetch aside.
     */
    @Test
    void settlingWithEveryRecordWritesThemWithoutReadingTheJournalBack() throws IOException {
        Store s = Store.open(tmp.resolve("home"));
        Fetch f = fetch("all", 3);
        Fetch stored = s.register(f);
        List<Rec> records = s.byKey(stored.key).orElseThrow().records;
        Path journal = tmp.resolve("home/active").resolve(stored.key).resolve("records.jsonl");
        Files.writeString(journal, "{\"index\": not json\n" + Files.readString(journal));
        Optional<Fetch> settled = s.recordChanges(stored.key, sum -> {
            for (Rec r : records) {
                sum.finishRecord(r, RecordResult.SUCCESS);
                r.path = "/tmp/all" + r.index;
            }
            sum.settle();
            return records;
        });
        assertTrue(settled.orElseThrow().hasSettled());
        assertEquals(List.of(), s.warnings(), "nothing was moved aside");
        Fetch back = s.find("all").orElseThrow();
        assertEquals(FetchResult.SUCCESS, back.result);
        assertEquals(3, back.records.size());
        assertEquals("/tmp/all2", back.records.get(2).path);
        assertTrue(back.records.stream().allMatch(r -> r.result == RecordResult.SUCCESS));
    }

    @Test
    void abortSettlesAndFreesTheId() {
        Store s = Store.open(tmp.resolve("home"));
        s.register(fetch("a"));
        Fetch aborted = s.abort("a");
        assertEquals("failure", aborted.result.wire());
        assertEquals("aborted", aborted.failureReason.wire());
        assertEquals("aborted", aborted.records.get(0).result.wire());
        assertEquals(StateException.Kind.INVALID_STATE,
                assertThrows(StateException.class, () -> s.abort("a")).kind());
        Fetch again = s.register(fetch("a"));
        assertEquals(again.key, s.find("a").orElseThrow().key, "active wins over settled");
        s.abort("a");
        assertEquals(again.key, s.find("a").orElseThrow().key, "then the most recent settled");
        assertEquals(2, s.forget("a").size());
        assertTrue(s.find("a").isEmpty());
    }

    @Test
    void storeIsPrivate() throws IOException {
        Path home = tmp.resolve("home");
        Store s = Store.open(home);
        Fetch f = s.register(fetch("a"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
        Path dir = home.resolve("active").resolve(f.key);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        s.publishProgress(f.key, 1, 0, new long[] {1});
        for (String name : List.of("fetch.json", "records.jsonl", "progress.bin")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name))),
                    name);
        }
        assertTrue(Files.readString(dir.resolve("fetch.json")).contains("\"schema\":2"));
    }

    @Test
    void statesAreStoredByTheirWireNamesAndAnUnknownOneIsDamageNotADefault() throws IOException {
        Path home = tmp.resolve("home");
        Store s = Store.open(home);
        Fetch waiting = s.register(fetch("w"));
        Fetch odd = s.register(fetch("odd"));
        s.pause("w");
        Path file = home.resolve("active").resolve(waiting.key).resolve("fetch.json");
        assertTrue(Files.readString(file).contains("\"state\":\"paused\""), Files.readString(file));
        Path oddFile = home.resolve("active").resolve(odd.key).resolve("fetch.json");
        Files.writeString(oddFile, Files.readString(oddFile).replace("\"state\":\"pending\"", "\"state\":\"sleeping\""));
        Store fresh = Store.open(home);
        assertEquals(List.of(FetchState.PAUSED), fresh.active().stream().map(f -> f.state).collect(Collectors.toList()));
        assertEquals(1, fresh.warnings().size(), fresh.warnings().toString());
        assertTrue(fresh.warnings().get(0).contains(oddFile.toString()), fresh.warnings().get(0));
    }

    @Test
    void corruptFileIsMovedAsideNamedAndTheRestSurvives() throws IOException {
        Path home = tmp.resolve("home");
        Store s = Store.open(home);
        Fetch good = s.register(fetch("good"));
        Fetch bad = s.register(fetch("bad"));
        Path badFile = home.resolve("active").resolve(bad.key).resolve("fetch.json");
        String text = Files.readString(badFile);
        Files.writeString(badFile, text.substring(0, text.length() / 2));
        Store fresh = Store.open(home);
        List<Fetch> active = fresh.active();
        assertEquals(List.of(good.key), active.stream().map(f -> f.key).collect(Collectors.toList()));
        assertEquals(1, fresh.warnings().size());
        assertTrue(fresh.warnings().get(0).contains(badFile.toString()), fresh.warnings().get(0));
        try (Stream<Path> kept = Files.list(home.resolve("broken"))) {
            List<Path> copies = kept.collect(Collectors.toList());
            assertEquals(1, copies.size());
            assertEquals(text.substring(0, text.length() / 2), Files.readString(copies.get(0).resolve("fetch.json")),
                    "the whole fetch is kept, as it was");
            assertTrue(Files.exists(copies.get(0).resolve("records.jsonl")));
        }
    }

    @Test
    void aFetchWrittenByANewerBgfetchIsLeftUntouchedAndTheRestOfTheStoreWorks() throws IOException {
        Path home = tmp.resolve("home");
        Store s = Store.open(home);
        Fetch old = s.register(fetch("old"));
        Fetch future = s.register(fetch("future"));
        Path file = home.resolve("active").resolve(future.key).resolve("fetch.json");
        // A newer schema may change the shape too: a title as an object our classes cannot read.
        String text = Files.readString(file).replace("\"schema\":2", "\"schema\":99")
                .replace("\"title\":\"\"", "\"title\":{\"text\":\"\",\"lang\":\"en\"}");
        assertTrue(text.contains("\"lang\""), text);
        Files.writeString(file, text);

        Store fresh = Store.open(home);
        assertEquals(List.of(old.key), fresh.active().stream().map(f -> f.key).collect(Collectors.toList()));
        fresh.active();
        fresh.all();
        assertEquals(1, fresh.warnings().size(), "said once: " + fresh.warnings());
        assertTrue(fresh.warnings().get(0).contains(file.toString()) && fresh.warnings().get(0).contains("newer"),
                fresh.warnings().get(0));
        assertEquals("new", fresh.register(fetch("new")).id, "a new id registers as usual");
        assertEquals("aborted", fresh.abort("old").failureReason.wire(), "the other fetches can be changed");

        assertEquals(StateException.Kind.NEWER, assertThrows(StateException.class, () -> fresh.find("future")).kind());
        assertEquals(StateException.Kind.NEWER, assertThrows(StateException.class, () -> fresh.pause("future")).kind());
        assertEquals(StateException.Kind.NEWER, assertThrows(StateException.class, () -> fresh.abort("future")).kind());
        assertEquals(StateException.Kind.ID_TAKEN,
                assertThrows(StateException.class, () -> fresh.register(fetch("future"))).kind());
        assertEquals(text, Files.readString(file), "never rewritten");
        assertTrue(Files.notExists(home.resolve("broken")), "never quarantined as damage");
        assertTrue(fresh.find("old").isPresent());
    }

    @Test
    void aPreCreatedStoreDirectoryIsMadePrivate() throws IOException {
        Path home = tmp.resolve("home");
        Files.createDirectories(home.resolve("active"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(home.resolve("active"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Store.open(home);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("active"))));
    }

    @Test
    void aHookRecordsFileLivesAsLongAsItsHookNotItsFetch() throws IOException {
        Store s = Store.open(tmp.resolve("home"));
        Fetch a = s.register(fetch("a"));
        s.abort("a");
        Path running = s.writeHookRecords(s.byKey(a.key).orElseThrow()); // what a running hook reads as $BGFETCH_RECORDS
        s.forget("a");
        // forget deleted it under the running hook ("No such file or directory")
        assertTrue(Files.exists(running), "the running hook still has its file");
        s.dropHookRecords(a.key);
        assertTrue(Files.notExists(running), "gone when the hook ends (it carries request headers)");

        Fetch b = s.register(fetch("b"));
        s.abort("b");
        Path left = s.writeHookRecords(s.byKey(b.key).orElseThrow()); // a worker killed during the hook
        Fetch c = s.register(fetch("c"));
        s.abort("c");
        Path fresh = s.writeHookRecords(s.byKey(c.key).orElseThrow());
        Files.setLastModifiedTime(left, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 120_000));
        s.dropStaleHookRecords(java.time.Duration.ofSeconds(60));
        assertTrue(Files.notExists(left), "older than the hook timeout: no hook can still be reading it");
        assertTrue(Files.exists(fresh), "one a hook may still read stays");
    }

    @Test
    void forgetDropsTheSettledFetchesOfAnIdAndLeavesItsActiveOne() throws IOException {
        Store s = Store.open(tmp.resolve("home"));
        s.register(fetch("a"));
        s.abort("a");
        s.register(fetch("a"));
        s.abort("a");
        Fetch active = s.register(fetch("a"));
        // refused while any fetch with the id was active ("still active; abort it first")
        assertEquals(2, s.forget("a").size());
        assertEquals(active.key, s.find("a").orElseThrow().key);
        assertEquals(StateException.Kind.INVALID_STATE, assertThrows(StateException.class, () -> s.forget("a")).kind(),
                "with only the active one left, there is nothing settled to forget");
    }

    @Test
    void aWorkerClearsRegistrationsThatKilledClientsLeftHalfWritten() throws IOException {
        Store s = Store.open(tmp.resolve("home"));
        Path active = tmp.resolve("home").resolve("active");
        Path old = Files.createDirectories(active.resolve(".0000000007-dead.new"));
        Files.writeString(old.resolve("records.jsonl"), "{}\n");
        Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 7_200_000));
        Path recent = Files.createDirectories(active.resolve(".0000000008-beef.new"));
        // they stayed for good, up to 1.4 MB each, and on a full store kept it full
        s.dropAbandonedRegistrations();
        assertTrue(Files.notExists(old), "an hour old: no client is still writing it");
        assertTrue(Files.exists(recent), "one a client may be writing now stays");
    }

    @Test
    void aSummaryThatIsNoFileSetsThatFetchAsideAndEveryOtherIsReadAsUsual() throws IOException {
        Store s = Store.open(tmp.resolve("home"));
        Fetch a = s.register(fetch("a"));
        s.register(fetch("b"));
        Path summary = tmp.resolve("home").resolve("active").resolve(a.key).resolve("fetch.json");
        Files.delete(summary);
        Files.createDirectory(summary);
        // "cannot read .../fetch.json: is a directory" failed the whole listing (exit 1)
        Store again = Store.open(tmp.resolve("home"));
        assertEquals(List.of("b"), again.active().stream().map(f -> f.id).collect(java.util.stream.Collectors.toList()));
        assertTrue(again.warnings().stream().anyMatch(w -> w.contains("not a regular file")), again.warnings().toString());
        assertTrue(again.setAside(a.key), "kept in broken/");
    }

    @Test
    void theStoreErrorSaysWhyNotOnlyWhere() throws IOException {
        Path notADir = tmp.resolve("file");
        Files.writeString(notADir, "x");
        StateException e = assertThrows(StateException.class, () -> Store.open(notADir.resolve("home")));
        assertTrue(e.getMessage().contains("not a directory") || e.getMessage().contains("file exists"), e.getMessage());
        assertEquals(1, e.getMessage().split(java.util.regex.Pattern.quote(notADir.toString()), -1).length - 1,
                "the path once: " + e.getMessage());
    }

    @Test
    void aFileNamedLikeAFetchDirectoryIsNoFetchAndBreaksNothing() throws IOException {
        Path home = tmp.resolve("home");
        Store s = Store.open(home);
        s.register(fetch("a"));
        // Names of a key's shape are taken for directories without a stat; a stray file of that name is not one.
        Files.writeString(home.resolve("active").resolve(Store.keyOf(7, 7)), "stray");
        Files.writeString(home.resolve("settled").resolve(Store.keyOf(8, 8)), "stray");
        assertEquals(List.of("a"), s.active().stream().map(f -> f.id).collect(Collectors.toList()));
        assertEquals(List.of("a"), s.activeIds());
        assertEquals("a", s.find("a").orElseThrow().id);
        assertTrue(s.find("b").isEmpty());
        s.register(fetch("b"));
        assertEquals(StateException.Kind.ID_TAKEN, assertThrows(StateException.class, () -> s.register(fetch("b"))).kind());
        assertTrue(s.needsWorker());
        assertTrue(s.warnings().isEmpty(), s.warnings().toString());
    }

    @Test
    void aReaderThatLookedInActiveFindsAFetchThatSettledMeanwhile() {
        Path home = tmp.resolve("home");
        Store s = Store.open(home);
        Fetch f = s.register(fetch("a"));
        Path lookedUp = home.resolve("active").resolve(f.key); // where dirOf pointed before the settle
        s.abort("a");
        Fetch read = s.dirs().readWhole(lookedUp).orElseThrow(() -> new AssertionError("lost between the look and the read"));
        assertEquals("a", read.id);
        assertTrue(read.hasSettled());
        assertEquals(1, read.records.size());
    }
}

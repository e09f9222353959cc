package dev.bgfetch.state;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A waiter on the store wakes when a fetch is registered, settled or forgotten, and not for our own temporary directories. */
class StoreWatchTest {
    /** Long enough that only an event, never the timer, can make {@link StoreWatch#await} say true. */
    static final long LONG = 30_000;

    @TempDir
    Path tmp;

    @Test
    void aRegistrationASettleAndAForgetEachWakeTheWaiter() throws Exception {
        Store s = Store.open(tmp.resolve("home"));
        try (StoreWatch w = s.watch()) {
            assertTrue(w.watching(), "inotify on the test's file system");
            assertFalse(w.await(50), "nothing happened");
            s.register(StoreTest.fetch("a"));
            assertTrue(w.await(LONG), "registered");
            s.abort("a"); // no worker: the fetch settles at once and moves to settled/
            assertTrue(w.await(LONG), "settled");
            s.forget("a");
            assertTrue(w.await(LONG), "forgotten");
            assertFalse(w.await(50), "every event was taken by the wake it caused");
        }
    }

    @Test
    void aTemporaryDirectoryAloneDoesNotWakeTheWaiter() throws Exception {
        Store s = Store.open(tmp.resolve("home"));
        try (StoreWatch w = s.watch()) {
            Path half = Files.createDirectory(s.home().resolve("active").resolve(".0000000001-0000.new"));
            Files.delete(half);
            assertFalse(w.await(300), "a registration still being written is nothing to look at");
        }
    }

    @Test
    void aClosedWatchSendsItsWaiterToLook() throws Exception {
        Store s = Store.open(tmp.resolve("home"));
        StoreWatch w = s.watch();
        w.close();
        assertTrue(w.await(LONG));
    }
}

package dev.bgfetch.worker;

import java.time.Instant;

/** The worker's log: stderr, which the launcher points at worker.log in the store. */
final class Log {
    private Log() {
    }

    static synchronized void info(String msg) {
        System.err.println(Instant.now() + " " + msg);
        System.err.flush();
    }
}

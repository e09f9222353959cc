package dev.bgfetch.http;

import dev.bgfetch.state.IoReason;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** A failure of the local disk rather than the network, carrying the outcome it ends the transfer with. */
final class DiskError extends Exception {
    final Outcome outcome;

    DiskError(Outcome outcome) {
        super(outcome.message, null, false, false);
        this.outcome = outcome;
    }

    static DiskError of(Path part, IOException e) {
        String reason = IoReason.of(e);
        String m = reason.toLowerCase(Locale.ROOT);
        if (m.contains("no space left") || m.contains("disk quota exceeded")) {
            return new DiskError(Outcome.of(Outcome.Kind.QUOTA, "disk full writing " + part));
        }
        return new DiskError(Outcome.of(Outcome.Kind.FETCH_ERROR, "cannot write " + part + ": " + reason));
    }
}

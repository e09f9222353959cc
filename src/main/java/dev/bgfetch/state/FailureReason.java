package dev.bgfetch.state;

/** Why a fetch failed (the web API's {@code failureReason}); {@link #NONE} while it has not. */
public enum FailureReason implements WireNames.Named {
    NONE(""),
    ABORTED("aborted"),
    BAD_STATUS("bad-status"),
    FETCH_ERROR("fetch-error"),
    QUOTA_EXCEEDED("quota-exceeded"),
    DOWNLOAD_TOTAL_EXCEEDED("download-total-exceeded");

    private final String wire;

    FailureReason(String wire) {
        this.wire = wire;
    }

    /** The name in the state files, JSON output and human output ("" for none). */
    @Override
    public String wire() {
        return wire;
    }

    /** The value with this wire name (null reads as none); an unknown one is damage the reader reports. */
    public static FailureReason of(String wire) {
        return WireNames.of(values(), wire, "failure reason");
    }

    @Override
    public String toString() {
        return wire;
    }
}

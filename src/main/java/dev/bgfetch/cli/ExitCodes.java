package dev.bgfetch.cli;

import dev.bgfetch.state.FailureReason;

/** The stable exit codes of SPEC §3, in one place; {@link BgfetchCommand} lists them in --help and man. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;
    public static final int NOT_FOUND = 3;
    public static final int ID_TAKEN = 4;
    public static final int QUOTA = 5;
    public static final int INVALID_STATE = 6;
    public static final int ABORTED = 20;
    public static final int BAD_STATUS = 21;
    public static final int FETCH_ERROR = 22;
    public static final int QUOTA_EXCEEDED = 23;
    public static final int DOWNLOAD_TOTAL_EXCEEDED = 24;
    public static final int TIMEOUT = 124;
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }

    /** The exit code of {@code wait} for a settled fetch with this failure reason (NONE = success). */
    public static int forFailureReason(FailureReason reason) {
        switch (reason) {
            case NONE: return OK;
            case ABORTED: return ABORTED;
            case BAD_STATUS: return BAD_STATUS;
            case FETCH_ERROR: return FETCH_ERROR;
            case QUOTA_EXCEEDED: return QUOTA_EXCEEDED;
            case DOWNLOAD_TOTAL_EXCEEDED: return DOWNLOAD_TOTAL_EXCEEDED;
            default: return FAILURE;
        }
    }
}

package dev.bgfetch.state;

/** A refusal or failure of the store, with what kind it is so the CLI can map it to an exit code. */
public final class StateException extends RuntimeException {
    /** NEWER: the fetch was written by a newer bgfetch and is left untouched (an I/O-class failure, exit 1). */
    public enum Kind { NOT_FOUND, ID_TAKEN, INVALID_STATE, IO, NEWER }

    private final Kind kind;

    public StateException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public StateException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}

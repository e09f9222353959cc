package dev.bgfetch.state;

/** A fetch's result (the web API's {@code result}): none until it settles, then success or failure. */
public enum FetchResult implements WireNames.Named {
    NONE(""),
    SUCCESS("success"),
    FAILURE("failure");

    private final String wire;

    FetchResult(String wire) {
        this.wire = wire;
    }

    /** The name in the state files, JSON output and human output ("" for none). */
    @Override
    public String wire() {
        return wire;
    }

    /** The value with this wire name (null reads as none); an unknown one is damage the reader reports. */
    public static FetchResult of(String wire) {
        return WireNames.of(values(), wire, "result");
    }

    @Override
    public String toString() {
        return wire;
    }
}

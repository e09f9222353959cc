package dev.bgfetch.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

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
    @JsonValue
    public String wire() {
        return wire;
    }

    /** The value with this wire name (null reads as none); an unknown one is damage the reader reports. */
    @JsonCreator
    public static FetchResult of(String wire) {
        return WireNames.of(values(), wire, "result");
    }

    @Override
    public String toString() {
        return wire;
    }
}

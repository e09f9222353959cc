package dev.bgfetch.state;

/** Where a fetch is in its life (SPEC §1's CLI extra {@code state}); stored and printed by its wire name. */
public enum FetchState implements WireNames.Named {
    PENDING("pending"),
    DOWNLOADING("downloading"),
    PAUSED("paused"),
    WAITING_FOR_NETWORK("waiting-for-network"),
    SETTLED("settled");

    private final String wire;

    FetchState(String wire) {
        this.wire = wire;
    }

    /** The name in the state files, JSON output and human output. */
    @Override
    public String wire() {
        return wire;
    }

    /** The state with this wire name; an unknown one is damage the reader reports, not a default. */
    public static FetchState of(String wire) {
        return WireNames.of(values(), wire, "fetch state");
    }

    @Override
    public String toString() {
        return wire;
    }
}

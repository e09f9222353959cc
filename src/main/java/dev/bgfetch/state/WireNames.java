package dev.bgfetch.state;

/** The lookup the state enums share: a value by the name it has in files and JSON. */
final class WireNames {
    private WireNames() {
    }

    /**
     * A value with a name in files and JSON. An interface, not a method reference per enum: each
     * reference is a call site linked at first use, 1-5 ms of a cold command (async-profiler, get).
     */
    interface Named {
        String wire();
    }

    /** The value named {@code wire} (null reads as ""); an unknown name is damage the reader reports. */
    static <E extends Enum<E> & Named> E of(E[] values, String wire, String what) {
        String w = wire == null ? "" : wire;
        for (E v : values) {
            if (v.wire().equals(w)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + wire + "'");
    }
}

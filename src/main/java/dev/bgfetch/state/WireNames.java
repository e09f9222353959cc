package dev.bgfetch.state;

import java.util.function.Function;

/** The lookup the state enums share: a value by the name it has in files and JSON. */
final class WireNames {
    private WireNames() {
    }

    /** The value named {@code wire} (null reads as ""); an unknown name is damage the reader reports. */
    static <E extends Enum<E>> E of(E[] values, Function<E, String> name, String wire, String what) {
        String w = wire == null ? "" : wire;
        for (E v : values) {
            if (name.apply(v).equals(w)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + wire + "'");
    }
}

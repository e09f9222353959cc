package dev.bgfetch.cli;

import java.util.List;

/** The positional fetch ids of the commands that take them: one ({@code get ID}) or several ({@code wait ID...}). */
final class IdArguments implements Fields {
    String id;
    List<String> ids;

    /** The one id; an empty one is invalid input (exit 2, SPEC §3), not an id no fetch has (3). */
    String id() {
        return checked(id);
    }

    /** The ids, each checked as {@link #id()}; null when none were given. */
    List<String> ids() {
        if (ids != null) {
            ids.forEach(IdArguments::checked);
        }
        return ids;
    }

    /** {@code id} if it is not empty; else invalid input (match, which has its own id field, asks too). */
    static String checked(String id) {
        if (id == null || id.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "empty id");
        }
        return id;
    }

    @Override
    public Object get(String field) {
        return switch (field) {
            case "id" -> id;
            case "ids" -> ids;
            default -> throw Fields.unknown(this, field);
        };
    }

    @Override
    @SuppressWarnings("unchecked")
    public void set(String field, Object value) {
        switch (field) {
            case "id" -> id = (String) value;
            case "ids" -> ids = (List<String>) value;
            default -> throw Fields.unknown(this, field);
        }
    }
}

package dev.bgfetch.cli;

import java.util.List;

/** The positional fetch ids of the commands that take them: one ({@code get ID}) or several ({@code wait ID...}). */
final class IdArguments implements Fields {
    String id;
    List<String> ids;

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

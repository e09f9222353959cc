package dev.bgfetch.cli;

/**
 * The fields an object's picocli options and parameters are bound to, read and written by name in
 * plain code. Not java.lang.reflect.Field: from Java 18 on, a field's first reflective access builds
 * a method-handle accessor, ~15 ms for the first of a JVM and 1-2 ms for each further one on JDK 25
 * (every option of a command is read for its initial value): ~20 ms of every command
 * (bench/RESULTS.md, 2026-12-07, third session). CommandModelTest checks each binding against the
 * field of that name by reflection.
 */
interface Fields {
    Object get(String field);

    void set(String field, Object value);

    static IllegalArgumentException unknown(Object owner, String field) {
        return new IllegalArgumentException("no bound field " + field + " in " + owner.getClass().getSimpleName());
    }
}

package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Every option and parameter of every command reads and writes the field it is named after: the
 * hand-written {@link Fields} switches are checked against the fields themselves, by reflection.
 */
class FieldsTest {
    @Test
    void everyBindingReadsAndWritesItsOwnField() throws ReflectiveOperationException {
        List<CommandSpec> specs = new ArrayList<>();
        collect(BgfetchCommand.all().getCommandSpec(), specs);
        int checked = 0;
        for (CommandSpec spec : specs) {
            for (ArgSpec arg : spec.args()) {
                Object getter = arg.getter();
                if (!getter.getClass().getName().endsWith("CommandModel$Binding")) {
                    continue; // picocli's own -h/-V
                }
                Field field = declared(getter, "field");
                Object owner = declared(getter, "owner");
                assertTrue(field.getDeclaringClass().isInstance(owner), arg + " binds to another object than its field's");
                field.setAccessible(true);
                Object initial = field.get(owner);
                assertEquals(initial, (Object) arg.getValue(), arg + " reads " + field);

                Object written = sample(field, initial);
                arg.setValue(written);
                assertEquals(written, field.get(owner), arg + " writes " + field);
                Object other = sample(field, written);
                field.set(owner, other);
                assertEquals(other, (Object) arg.getValue(), arg + " reads " + field + " after a change");
                field.set(owner, initial);
                checked++;
            }
        }
        assertTrue(checked >= 40, "checked " + checked + " bindings");
    }

    @Test
    void anUnknownNameIsAnError() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new FetchCommand().set("nope", "x"));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        assertSame(IllegalArgumentException.class, org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> new GlobalOptions().get("nope")).getClass());
    }

    private static void collect(CommandSpec spec, List<CommandSpec> out) {
        out.add(spec);
        for (CommandSpec mixin : spec.mixins().values()) {
            out.add(mixin);
        }
        for (CommandLine sub : spec.subcommands().values()) {
            collect(sub.getCommandSpec(), out);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T declared(Object o, String name) throws ReflectiveOperationException {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return (T) f.get(o);
    }

    /** A value of the field's type unlike {@code not}. */
    private static Object sample(Field f, Object not) {
        Class<?> t = f.getType();
        String tag = f.getName() + (not == null ? "" : "'");
        if (t == boolean.class || t == Boolean.class) {
            return !Boolean.TRUE.equals(not);
        }
        if (t == Integer.class) {
            return not == null ? 41 : (Integer) not + 1;
        }
        if (t == String.class) {
            return "s-" + tag + (not == null ? "" : not);
        }
        if (t == Path.class) {
            return Path.of("/p", tag + (not == null ? "" : not.hashCode()));
        }
        if (t == List.class) {
            return new ArrayList<>(List.of("l-" + tag + (not == null ? "" : not.hashCode())));
        }
        throw new AssertionError("no sample for " + f);
    }
}

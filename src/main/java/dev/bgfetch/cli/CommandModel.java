package dev.bgfetch.cli;

import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A command's picocli model, written with picocli's programmatic API and bound to the fields of the
 * command object by name. Not annotations: the JDK reads an annotation through a proxy class it
 * generates at run time, for every annotation type on every start, and that was most of the time
 * every command spent before doing anything (bench/RESULTS.md, 2026-12-07: `--version` 148 -> 107 ms
 * on JDK 17 for the top command alone). The model is the same one picocli would have built from the
 * annotations: mixins named as picocli names them, the standard help options added last.
 *
 * <p>Use: {@code of(...)}, then {@link #option}, {@link #parameter} (picocli's own builders, with the
 * field's type, initial value and binding filled in) and {@link #group}, in the order of the help,
 * then {@link #build()}.
 */
final class CommandModel {
    private final CommandSpec spec;
    private final List<Object> pending = new ArrayList<>(); // builders and groups, in help order
    private Object target; // whose fields the next arguments bind to

    private CommandModel(Object command, String name) {
        this.spec = CommandSpec.wrapWithoutInspection(command);
        this.target = command;
        spec.name(name);
    }

    /**
     * A subcommand: {@code ctx} is its mixin (given this command's spec, as picocli's
     * {@code @Spec(MIXEE)} would), with {@code -h}/{@code -V} and the version of the top command.
     */
    static CommandModel of(Object command, CommandContext ctx, String name, String... description) {
        CommandModel m = new CommandModel(command, name);
        m.spec.versionProvider(new VersionProvider());
        m.spec.usageMessage().description(description);
        m.spec.addMixin("ctx", CommandSpec.wrapWithoutInspection(ctx));
        ctx.spec = m.spec;
        return m;
    }

    /** The top command, whose options come from {@link #bindTo} objects of its own. */
    static CommandModel top(Object command, String name) {
        return new CommandModel(command, name);
    }

    /** The arguments declared next bind to the fields of {@code object} (a mixin or an option group). */
    CommandModel bindTo(Object object) {
        target = object;
        return this;
    }

    /** An option bound to the field {@code field} of the current target; the builder is picocli's. */
    OptionSpec.Builder option(String field, String... names) {
        Field f = field(field);
        Binding binding = new Binding(f, fields());
        OptionSpec.Builder b = OptionSpec.builder(names).type(f.getType()).auxiliaryTypes(auxiliaryTypes(f))
                .getter(binding).setter(binding).initialValue(binding.initial()).hasInitialValue(true);
        if (f.getType() == boolean.class) {
            b.paramLabel("<" + field + ">"); // picocli's label for an annotated flag: man pages show it
        }
        pending.add(b);
        return b;
    }

    /** A positional parameter bound to the field {@code field} of the current target. */
    PositionalParamSpec.Builder parameter(String field, String label) {
        Field f = field(field);
        Binding binding = new Binding(f, fields());
        PositionalParamSpec.Builder b = PositionalParamSpec.builder().type(f.getType())
                .auxiliaryTypes(auxiliaryTypes(f)).getter(binding).setter(binding)
                .initialValue(binding.initial()).hasInitialValue(true).paramLabel(label);
        pending.add(b);
        return b;
    }

    /** An option group; its options are those declared from here to {@link #endGroup}. */
    ArgGroupSpec.Builder group() {
        ArgGroupSpec.Builder g = ArgGroupSpec.builder();
        pending.add(g);
        return g;
    }

    /** Ends the group {@link #group} began: the options declared since then go into it. */
    CommandModel endGroup() {
        int start = pending.size() - 1;
        while (!(pending.get(start) instanceof ArgGroupSpec.Builder)) {
            start--;
        }
        ArgGroupSpec.Builder g = (ArgGroupSpec.Builder) pending.get(start);
        for (Object o : pending.subList(start + 1, pending.size())) {
            g.addArg(((OptionSpec.Builder) o).build());
        }
        pending.subList(start, pending.size()).clear();
        spec.addArgGroup(g.build());
        return this;
    }

    /**
     * Adds what was declared to the spec, then {@code -h}/{@code --help} and {@code -V}/{@code --version}
     * as picocli's mixinStandardHelpOptions does: last, as a mixin of that name.
     */
    CommandSpec build() {
        flush();
        CommandSpec help = CommandSpec.wrapWithoutInspection(null);
        help.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).paramLabel("<helpRequested>")
                .initialValue(false).descriptionKey("mixinStandardHelpOptions.help")
                .description("Show this help message and exit.").build());
        help.addOption(OptionSpec.builder("-V", "--version").versionHelp(true).paramLabel("<versionRequested>")
                .initialValue(false).descriptionKey("mixinStandardHelpOptions.version")
                .description("Print version information and exit.").build());
        spec.addMixin("mixinStandardHelpOptions", help);
        return spec;
    }

    /** The options declared so far for a mixin of this name (the top command's global options). */
    CommandModel mixin(String name) {
        CommandSpec mixin = CommandSpec.wrapWithoutInspection(target);
        for (Object o : pending) {
            mixin.addOption(((OptionSpec.Builder) o).build());
        }
        pending.clear();
        spec.addMixin(name, mixin);
        return this;
    }

    private void flush() {
        for (Object o : pending) {
            if (o instanceof OptionSpec.Builder) {
                spec.addOption(((OptionSpec.Builder) o).build());
            } else if (o instanceof PositionalParamSpec.Builder) {
                PositionalParamSpec p = ((PositionalParamSpec.Builder) o).build();
                // as for an annotated one: a positional that takes at least one value is required
                spec.addPositional(p.arity().min() > 0 ? PositionalParamSpec.builder(p).required(true).build() : p);
            } else {
                throw new IllegalStateException("a group without endGroup()");
            }
        }
        pending.clear();
    }

    /** The field's declaration, for its type; its value is read and written through {@link Fields}. */
    private Field field(String name) {
        try {
            return target.getClass().getDeclaredField(name);
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("no field " + name + " in " + target.getClass().getName(), e);
        }
    }

    private Fields fields() {
        if (!(target instanceof Fields)) {
            throw new IllegalStateException(target.getClass().getName() + " binds options but is not Fields");
        }
        return (Fields) target;
    }

    /** The element types picocli reads from a field's type: List<String> has String. */
    private static Class<?>[] auxiliaryTypes(Field f) {
        Type generic = f.getGenericType();
        if (!(generic instanceof ParameterizedType)) {
            return new Class<?>[] {f.getType()};
        }
        Type[] args = ((ParameterizedType) generic).getActualTypeArguments();
        Class<?>[] aux = new Class<?>[args.length];
        for (int i = 0; i < args.length; i++) {
            aux[i] = (Class<?>) args[i];
        }
        return aux;
    }

    /** Reads and writes one field of one object: what picocli's own field binding does. */
    private static final class Binding implements IGetter, ISetter {
        private final Field field;
        private final Fields owner;

        Binding(Field field, Fields owner) {
            this.field = field;
            this.owner = owner;
        }

        /** The field's value before parsing, which picocli restores when the command line is parsed again. */
        Object initial() {
            return owner.get(field.getName());
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return (T) owner.get(field.getName());
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T set(T value) {
            T old = (T) owner.get(field.getName());
            owner.set(field.getName(), value);
            return old;
        }

        @Override
        public String toString() {
            return "field " + field.getDeclaringClass().getSimpleName() + "." + field.getName();
        }
    }
}

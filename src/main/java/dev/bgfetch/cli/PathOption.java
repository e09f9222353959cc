package dev.bgfetch.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Path options ({@code --dir}, {@code --home}, {@code --input-file}): a leading {@code ~} or {@code ~/}
 * is expanded with {@code $HOME}, because shells do not expand it in {@code --dir=~/x}; an empty
 * value is refused rather than read as the current directory. picocli turns a refusal into exit 2
 * naming the option.
 */
final class PathOption {
    private PathOption() {
    }

    static String expand(String value) {
        if (value.isEmpty()) {
            throw new TypeConversionException("empty path");
        }
        if (value.equals("~") || value.startsWith("~/")) {
            String home = System.getenv("HOME");
            if (home == null || home.isEmpty()) {
                home = System.getProperty("user.home");
            }
            return home + value.substring(1);
        }
        return value;
    }

    /** For options that are paths. */
    static final class ToPath implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            try {
                return Path.of(expand(value));
            } catch (InvalidPathException e) {
                throw new TypeConversionException("bad path: " + e.getReason());
            }
        }
    }

    /** For options that are a path or {@code -} (stdin). */
    static final class ToFileOrDash implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            return "-".equals(value) ? value : expand(value);
        }
    }
}

package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Settings are declared once (the Setting enum); the README's table must list each with its default. */
class SettingDocsTest {
    @Test
    void everySettingIsInTheReadmeWithItsDefault() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (Setting s : Setting.values()) {
            String shown = s.defaultValue.isEmpty() ? "(none)" : "`" + s.defaultValue + "`";
            String row = "| `" + s.env + "` | `" + s.key + "` | " + shown + " |";
            assertTrue(readme.contains(row), "README.md lacks the row starting " + row);
        }
    }
}

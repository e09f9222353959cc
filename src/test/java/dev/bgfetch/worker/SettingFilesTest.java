package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lookup order of settings over real files: env > store config.properties > user config file > default. */
class SettingFilesTest {
    @TempDir
    Path tmp;

    Path store() throws Exception {
        return Files.createDirectories(tmp.resolve("store"));
    }

    Path userConfig(Path configHome, String text) throws Exception {
        Path f = Files.createDirectories(configHome.resolve("bgfetch")).resolve("config");
        return Files.writeString(f, text);
    }

    @Test
    void eachLayerWinsOverTheOnesBelowIt() throws Exception {
        Path xdg = tmp.resolve("xdg");
        userConfig(xdg, "# mine\n\nmax-connections = 3\nmax-per-host=2\nsplit = 4\n");
        Files.writeString(store().resolve("config.properties"), "max-per-host=5\nsplit=7\n");
        Setting.Values v = Setting.Values.load(store(), Map.of("XDG_CONFIG_HOME", xdg.toString(), "BGFETCH_SPLIT", "9"));
        assertEquals(3, v.integer(Setting.MAX_CONNECTIONS), "user file over the default");
        assertEquals(5, v.integer(Setting.MAX_PER_HOST), "store file over the user file");
        assertEquals(9, v.integer(Setting.SPLIT), "environment over both");
        assertEquals(5, v.integer(Setting.STATUS_RETRIES), "default when no layer has it");
        assertEquals(List.of(), v.warnings());
    }

    @Test
    void withoutXdgConfigHomeTheFileIsUnderHomeDotConfig() throws Exception {
        Path home = tmp.resolve("h");
        userConfig(home.resolve(".config"), "max-connections=4\n");
        Setting.Values v = Setting.Values.load(store(), Map.of("HOME", home.toString()));
        assertEquals(4, v.integer(Setting.MAX_CONNECTIONS));
    }

    @Test
    void aRelativeXdgConfigHomeIsIgnored() throws Exception {
        Path home = tmp.resolve("h");
        userConfig(home.resolve(".config"), "max-connections=4\n");
        Setting.Values v = Setting.Values.load(store(), Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", "rel/cfg"));
        assertEquals(4, v.integer(Setting.MAX_CONNECTIONS));
    }

    @Test
    void badLinesAreWarningsNamingFileAndLine() throws Exception {
        Path xdg = tmp.resolve("xdg");
        Path f = userConfig(xdg, "max-connections=2\nno equals sign\nmax-conections=3\n= 4\n");
        Setting.Values v = Setting.Values.load(store(), Map.of("XDG_CONFIG_HOME", xdg.toString()));
        assertEquals(2, v.integer(Setting.MAX_CONNECTIONS), "good lines still count");
        assertEquals(List.of(f + ":2: not 'key = value', ignored", f + ":3: unknown setting 'max-conections', ignored",
                f + ":4: not 'key = value', ignored"), v.warnings());
    }

    @Test
    void aValueItsSettingDoesNotTakeIsAWarningNamingWhereItCameFromAndTheDefaultIsUsed() throws Exception {
        Path xdg = tmp.resolve("xdg");
        Path f = userConfig(xdg, "worker.idle = abc\nmax-per-host = 0\n");
        Files.writeString(store().resolve("config.properties"), "min-free=1e999\n");
        Setting.Values v = Setting.Values.load(store(), Map.of("XDG_CONFIG_HOME", xdg.toString(),
                "BGFETCH_FSYNC", "maybe", "BGFETCH_MAX_CONNECTIONS", "99999999999", "BGFETCH_HOOK_TIMEOUT", "-1s",
                "BGFETCH_STATUS_RETRIES", "0"));
        // each of these stopped the worker at its start with an internal error (and named the variable for a file's value)
        assertEquals(java.time.Duration.ofSeconds(10), v.duration(Setting.IDLE_EXIT));
        assertEquals(6, v.integer(Setting.MAX_PER_HOST));
        assertEquals(0, v.size(Setting.MIN_FREE));
        assertEquals(true, v.bool(Setting.FSYNC));
        assertEquals(16, v.integer(Setting.MAX_CONNECTIONS));
        assertEquals(java.time.Duration.ofSeconds(60), v.duration(Setting.HOOK_TIMEOUT));
        assertEquals(0, v.integer(Setting.STATUS_RETRIES), "0 retries is a value, not a mistake");
        List<String> w = v.warnings();
        assertEquals(6, w.size(), w.toString());
        assertEquals(true, w.stream().anyMatch(x -> x.startsWith("BGFETCH_FSYNC = 'maybe'") && x.endsWith("the default (true) is used")), w.toString());
        assertEquals(true, w.stream().anyMatch(x -> x.startsWith(f + ": worker.idle = 'abc'")), w.toString());
        String storeFile = store().resolve("config.properties") + ": min-free = '1e999'";
        assertEquals(true, w.stream().anyMatch(x -> x.startsWith(storeFile)), w.toString());
        assertEquals(true, w.stream().noneMatch(x -> x.contains("BGFETCH_WORKER_IDLE")), "a file's value is not blamed on a variable");
    }

    @Test
    void aMinSplitSizeBelowWhatTheFlagTakesIsAWarning() throws Exception {
        // 0 split a 30 MB file into 77 segments, where --min-split-size refuses anything below 1Ki
        for (String tiny : List.of("0", "1", "1023")) {
            Setting.Values v = Setting.Values.load(store(), Map.of("BGFETCH_MIN_SPLIT_SIZE", tiny));
            assertEquals(4L << 20, v.size(Setting.MIN_SPLIT_SIZE));
            assertEquals(List.of("BGFETCH_MIN_SPLIT_SIZE = '" + tiny + "': below 1Ki, the least --min-split-size takes;"
                    + " the default (4Mi) is used"), v.warnings());
        }
        assertEquals(1024, Setting.Values.load(store(), Map.of("BGFETCH_MIN_SPLIT_SIZE", "1Ki")).size(Setting.MIN_SPLIT_SIZE));
    }
}

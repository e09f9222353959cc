package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §2: where the store is when --home is not given. */
class HomeTest {
    @Test
    void homeFromTheEnvironmentWinsOverThePasswdEntry() {
        assertEquals(Path.of("/env/home/.local/state/bgfetch"),
                GlobalOptions.defaultHome(Map.of("HOME", "/env/home"), "/passwd/home"));
        assertEquals(Path.of("/passwd/home/.local/state/bgfetch"), GlobalOptions.defaultHome(Map.of(), "/passwd/home"));
    }

    @Test
    void anAbsoluteXdgStateHomeIsUsedAndARelativeOneIgnored() {
        assertEquals(Path.of("/xdg/bgfetch"),
                GlobalOptions.defaultHome(Map.of("XDG_STATE_HOME", "/xdg", "HOME", "/h"), "/p"));
        assertEquals(Path.of("/h/.local/state/bgfetch"),
                GlobalOptions.defaultHome(Map.of("XDG_STATE_HOME", "rel/state", "HOME", "/h"), "/p"));
        assertEquals(Path.of("/h/.local/state/bgfetch"),
                GlobalOptions.defaultHome(Map.of("XDG_STATE_HOME", "", "HOME", "/h"), "/p"));
    }

    @Test
    void bgfetchHomeWinsOverEverything() {
        assertEquals(Path.of("/own"),
                GlobalOptions.defaultHome(Map.of("BGFETCH_HOME", "/own", "XDG_STATE_HOME", "/xdg", "HOME", "/h"), "/p"));
    }
}

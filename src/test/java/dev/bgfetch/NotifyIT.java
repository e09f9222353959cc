package dev.bgfetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.support.TestServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Desktop notifications end to end: the real launcher and worker, a real local server, and a fake
 * notify-send on PATH that records its arguments, one per line.
 */
class NotifyIT {
    @TempDir
    Path tmp;
    TestServer server;
    Path home;
    Path record;
    Path bin;

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.start();
        home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve("config.properties"), "worker.idle=2s\n");
        bin = Files.createDirectories(tmp.resolve("bin"));
        record = tmp.resolve("notify-args");
        Path fake = bin.resolve("notify-send");
        Files.writeString(fake, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + record + ".tmp'\n"
                + "mv '" + record + ".tmp' '" + record + "'\n");
        fake.toFile().setExecutable(true);
    }

    @AfterEach
    void tearDown() throws Exception {
        run(Map.of(), "worker", "--stop", "-q");
        server.close();
    }

    int run(Map<String, String> env, String... args) throws Exception {
        Path launcher = Path.of(System.getProperty("bgfetch.dist", "target/bgfetch")).toAbsolutePath().resolve("bin/bgfetch");
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--home", home.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.remove("DISPLAY");
        e.remove("WAYLAND_DISPLAY");
        e.remove("BGFETCH_NOTIFY");
        e.put("PATH", bin + File.pathSeparator + e.getOrDefault("PATH", "/usr/bin:/bin"));
        e.put("CI", "true");
        e.putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        return p.exitValue();
    }

    List<String> awaitRecord() throws Exception {
        for (int i = 0; i < 100 && !Files.exists(record); i++) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(record), "notify-send was not run within 10 s");
        return Files.readAllLines(record);
    }

    @Test
    void aSettledFetchIsNotifiedWithEscapedText() throws Exception {
        server.file("/a.bin", TestServer.randomBytes(10_000, 3));
        int code = run(Map.of("BGFETCH_NOTIFY", "true", "DISPLAY", ":99"), "fetch", "n1", server.url("/a.bin"),
                "-t", "<b>Ep & 5</b>", "-d", tmp.resolve("dl").toString(), "--wait");
        assertEquals(0, code);
        List<String> args = awaitRecord();
        assertEquals(List.of("--app-name=bgfetch", "--urgency=normal", "--", "bgfetch: n1 succeeded",
                "&lt;b&gt;Ep &amp; 5&lt;/b&gt;", "1 file, 10000 bytes"), args);
    }

    @Test
    void aFailureIsCritical() throws Exception {
        int code = run(Map.of("BGFETCH_NOTIFY", "1", "WAYLAND_DISPLAY", "wayland-0"), "fetch", "n2",
                server.url("/missing"), "-d", tmp.resolve("dl").toString(), "--wait");
        assertTrue(code != 0);
        List<String> args = awaitRecord();
        assertEquals("--urgency=critical", args.get(1));
        assertTrue(args.get(3).startsWith("bgfetch: n2 failed ("), args.toString());
    }

    @Test
    void offByDefaultAndWithoutADisplay() throws Exception {
        server.file("/a.bin", TestServer.randomBytes(1000, 4));
        assertEquals(0, run(Map.of("DISPLAY", ":99"), "fetch", "d1", server.url("/a.bin"), "-d", tmp.resolve("dl").toString(), "--wait"));
        run(Map.of(), "worker", "--stop", "-q");
        assertEquals(0, run(Map.of("BGFETCH_NOTIFY", "true"), "fetch", "d2", server.url("/a.bin"), "-d", tmp.resolve("dl2").toString(), "--wait"));
        Thread.sleep(1500);
        assertFalse(Files.exists(record), "notify-send ran although it should not");
    }
}

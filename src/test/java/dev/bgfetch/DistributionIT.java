package dev.bgfetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Store;
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

/** bgfetch exactly as a user runs it: target/bgfetch/bin/bgfetch, its worker started by the launcher. */
class DistributionIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    TestServer server;
    Path home;
    Path launcher;

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.start();
        home = tmp.resolve("home");
        launcher = Path.of(System.getProperty("bgfetch.dist", "target/bgfetch")).toAbsolutePath().resolve("bin/bgfetch");
        Files.createDirectories(home);
        Files.writeString(home.resolve("config.properties"), "worker.idle=2s\n");
    }

    @AfterEach
    void tearDown() throws Exception {
        run("worker", "--stop", "-q");
        server.close();
    }

    Process start(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--home", home.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("CI", "true");
        return pb.start();
    }

    Object[] run(String... args) throws Exception {
        Process p = start(args);
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Object[] {p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8)};
    }

    /** Java 5 class files (picocli's own jar) are never put in a class-data archive: each start would load them from the jar. */
    @Test
    void picocliShipsInsideOurJarAsRelease17ClassFiles() throws Exception {
        Path lib = launcher.getParent().resolveSibling("lib");
        try (var jars = Files.list(lib)) {
            List<String> picocliJars = jars.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("picocli")).toList();
            assertEquals(List.of(), picocliJars, "picocli must not ship as its own jar");
        }
        try (var jar = new java.util.jar.JarFile(lib.resolve("bgfetch.jar").toFile())) {
            var entry = jar.getJarEntry("picocli/CommandLine.class");
            assertTrue(entry != null, "picocli/CommandLine.class is in bgfetch.jar");
            try (var in = new java.io.DataInputStream(jar.getInputStream(entry))) {
                assertEquals(0xCAFEBABE, in.readInt());
                in.readUnsignedShort();
                assertEquals(61, in.readUnsignedShort(), "class-file major version of release 17");
            }
        }
        Object[] r = run("--version");
        assertEquals(0, r[0], "--version works with the built-in picocli");
    }

    /**
     * A signed jar has the JVM check the SHA-256 of every entry it reads, Conscrypt's 2.4 MB native
     * library at a worker's first https connection too (~0.15 s on a C1 worker): it ships unsigned.
     */
    @Test
    void conscryptShipsUnsignedWithItsManifestFirstAndItsNativeLibrary() throws Exception {
        Path lib = launcher.getParent().resolveSibling("lib");
        Path jar;
        try (var jars = Files.list(lib)) {
            jar = jars.filter(p -> p.getFileName().toString().startsWith("conscrypt-openjdk-uber-")).findFirst().orElseThrow();
        }
        try (var in = new java.util.jar.JarInputStream(Files.newInputStream(jar))) {
            assertTrue(in.getManifest() != null, "the manifest is the first entry");
            List<String> names = new ArrayList<>();
            for (var e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                names.add(e.getName());
            }
            assertTrue(names.stream().noneMatch(n -> n.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)")), names.toString());
            assertTrue(names.contains("META-INF/native/libconscrypt_openjdk_jni-linux-x86_64.so"), names.toString());
            assertTrue(names.contains("org/conscrypt/Conscrypt.class"), names.toString());
        }
        try (var j = new java.util.jar.JarFile(jar.toFile())) {
            var e = j.getJarEntry("org/conscrypt/Conscrypt.class");
            j.getInputStream(e).readAllBytes();
            assertTrue(e.getCodeSigners() == null, "not signed");
        }
    }

    @Test
    void fetchWaitJsonThroughTheLauncherKeepsStdoutPureJson() throws Exception {
        byte[] mp3 = TestServer.randomBytes(2_000_000, 1);
        byte[] jpg = TestServer.randomBytes(50_000, 2);
        server.file("/ep-5.mp3", mp3);
        server.file("/ep-5-artwork.jpg", jpg);
        Path dl = tmp.resolve("dl");
        Object[] r = run("fetch", "ep5", server.url("/ep-5.mp3"), server.url("/ep-5-artwork.jpg"), "-t", "Episode 5",
                "--download-total", String.valueOf(mp3.length + jpg.length), "-d", dl.toString(), "--wait", "--json");
        assertEquals(0, r[0], r[2].toString());
        JsonNode n = JSON.readTree(r[1].toString());
        assertEquals("success", n.get("result").textValue());
        assertEquals(mp3.length + jpg.length, n.get("downloaded").longValue());
        assertArrayEquals(mp3, Files.readAllBytes(dl.resolve("ep-5.mp3")));
        assertArrayEquals(jpg, Files.readAllBytes(dl.resolve("ep-5-artwork.jpg")));
        String cmdline = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(home.toString()))
                .map(p -> p.info().commandLine().orElse("")).findFirst().orElse("");
        assertTrue(cmdline.isEmpty() || cmdline.contains("worker --run"), cmdline);
    }

    @Test
    void aHundredConcurrentFetchesOfDistinctIdsAllLandAndAbortStillWorks() throws Exception {
        server.file("/f.bin", TestServer.randomBytes(20_000, 3));
        server.file("/slow.bin", TestServer.randomBytes(2_000_000, 4));
        server.throttle("/slow.bin", 20_000);
        Path dl = tmp.resolve("dl");
        assertEquals(0, run("fetch", "slow", server.url("/slow.bin"), "-d", dl.toString())[0]);
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ps.add(start("fetch", "f" + i, server.url("/f.bin"), "-d", dl.resolve("d" + i).toString(), "-q"));
            if (i == 5) {
                ps.add(start("abort", "slow"));
            }
        }
        for (Process p : ps) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        Store store = Store.open(home);
        assertEquals(101, store.all().size());
        List<String> waitAll = new ArrayList<>(List.of("wait"));
        for (int i = 0; i < 100; i++) {
            waitAll.add("f" + i);
        }
        Object[] w = run(waitAll.toArray(new String[0]));
        assertEquals(0, w[0], w[2].toString());
        Fetch slow = store.find("slow").orElseThrow();
        assertEquals("aborted", slow.failureReason.wire());
        assertEquals(101, store.settled().size());
    }

    @Test
    void aWorkerThatCannotStartIsExplainedAndNothingIsLost() throws Exception {
        // A launcher the worker cannot run with: a broken Java.
        Path fakeJava = tmp.resolve("jdk/bin/java");
        Files.createDirectories(fakeJava.getParent());
        Files.writeString(fakeJava, "#!/bin/sh\nfor a; do [ \"$a\" = worker ] && { echo 'boom: no worker today' >&2; exit 3; }; done\n"
                + "exec " + ProcessHandle.current().info().command().orElse("java") + " \"$@\"\n");
        fakeJava.toFile().setExecutable(true);
        server.file("/a.bin", TestServer.randomBytes(1000, 5));
        List<String> cmd = List.of(launcher.toString(), "--home", home.toString(), "fetch", "x", server.url("/a.bin"),
                "-d", tmp.resolve("dl").toString());
        Object[] fetch = runWithJava(cmd);
        // fetch does not wait for the worker's JVM: the registration is durable and the worker asked for.
        assertEquals(0, fetch[0], fetch[2].toString());
        assertEquals(1, Store.open(home).active().size(), "the registration is kept");

        // The next commands say what happened, with the tail of worker.log.
        String status = "";
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); System.nanoTime() < end; Thread.sleep(100)) {
            status = run("worker", "--status")[1].toString();
            if (status.contains("last start failed")) {
                break;
            }
        }
        assertTrue(status.contains("not running") && status.contains("boom: no worker today"), status);
        Object[] list = runWithJava(List.of(launcher.toString(), "--home", home.toString(), "list"));
        assertEquals(0, list[0], list[2].toString());
        assertEquals("x\n", list[1], "list still lists");
        assertTrue(list[2].toString().contains("exited before it started") && list[2].toString().contains("boom"),
                list[2].toString());
        assertEquals(0, run("wait", "x")[0], "a command with a working Java starts the worker");
    }

    /** Runs a command with the broken Java of the test above. */
    private Object[] runWithJava(List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("JAVA_HOME", tmp.resolve("jdk").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Object[] {p.exitValue(), out, err};
    }

    @Test
    void withoutHomeOptionsTheStoreFollowsHomeFromTheEnvironmentAndIgnoresARelativeXdgStateHome() throws Exception {
        Path fakeHome = tmp.resolve("fake home");
        Files.createDirectories(fakeHome);
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "worker", "--status", "--json")
                .directory(tmp.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.remove("BGFETCH_HOME");
        env.put("HOME", fakeHome.toString());
        env.put("XDG_STATE_HOME", "relative/state");
        // no class-data archive under the fake home: its background training would still be writing
        // there when the temporary directory is deleted
        env.put("XDG_CACHE_HOME", "/proc/self/no-cache");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        Path expected = fakeHome.resolve(".local/state/bgfetch");
        assertEquals(expected.toString(), JSON.readTree(out).get("home").textValue());
        assertTrue(Files.isDirectory(expected), "created under $HOME");
        assertTrue(Files.notExists(tmp.resolve("relative")), "a relative XDG_STATE_HOME is ignored");
    }
}

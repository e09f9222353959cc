package dev.bgfetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsServer;
import dev.bgfetch.support.SelfSignedTls;
import dev.bgfetch.support.TestServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The self-contained bundle (target/bundle/bgfetch-bundle, made by src/build/bundle.sh in package) as a
 * user without Java runs it: PATH holds no java, JAVA_HOME is unset, and bin/bgfetch must use runtime/.
 */
class BundleIT {
    /** jdeps modules that bundle.sh leaves out on purpose (see its header), and those it adds. */
    static final List<String> DROPPED = List.of("java.desktop", "java.sql", "java.security.jgss");

    @TempDir
    Path tmp;
    Path bundle;
    Path noJava;
    Path home;
    TestServer server;

    @BeforeEach
    void setUp() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("bundle.skip"), "-Dbundle.skip=true: no bundle built");
        bundle = Path.of(System.getProperty("bgfetch.bundle", "target/bundle/bgfetch-bundle")).toAbsolutePath();
        assertTrue(Files.isExecutable(bundle.resolve("runtime/bin/java")), bundle + " has no runtime (run ./mvnw -B verify)");
        // a PATH with the few tools the launcher uses, and no java
        noJava = Files.createDirectories(tmp.resolve("nojava-bin"));
        for (String tool : List.of("sh", "cat", "mkdir", "rm", "od", "df", "awk", "find", "cksum", "readlink", "mv", "rmdir", "setsid")) {
            for (String dir : List.of("/usr/bin", "/bin")) {
                Path p = Path.of(dir, tool);
                if (Files.isExecutable(p)) {
                    Files.createSymbolicLink(noJava.resolve(tool), p);
                    break;
                }
            }
        }
        home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve("config.properties"), "worker.idle=2s\n");
        server = TestServer.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            run(Map.of(), "worker", "--stop", "-q");
            server.close();
        }
    }

    String[] run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(bundle.resolve("bin/bgfetch").toString(), "--home", home.toString()));
        cmd.addAll(Arrays.asList(args));
        return exec(cmd, env);
    }

    String[] exec(List<String> cmd, Map<String, String> extra) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", noJava.toString());
        env.put("HOME", tmp.toString());
        env.put("CI", "true");
        env.putAll(extra);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new String[] {String.valueOf(p.exitValue()), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8)};
    }

    @Test
    void versionRunsWithoutASystemJava() throws Exception {
        assertTrue(exec(List.of("sh", "-c", "command -v java || echo none"), Map.of())[1].contains("none"));
        String[] r = run(Map.of(), "--version");
        assertEquals("0", r[0], r[2]);
        assertEquals("bgfetch " + System.getProperty("bgfetch.version", ""), r[1].strip());
        assertEquals("", r[2], "nothing on stderr");
        // no per-user archive: the bundle's own is used
        assertTrue(!Files.exists(tmp.resolve(".cache/bgfetch")), "the bundle wrote a class-data archive into ~/.cache");
    }

    @Test
    void theClassDataArchiveMapsAndNothingIsPrinted() throws Exception {
        String cp;
        try (Stream<Path> s = Files.list(bundle.resolve("lib"))) {
            cp = s.map(Path::toString).filter(n -> n.endsWith(".jar")).sorted().collect(Collectors.joining(":"));
        }
        // -Xshare:on fails the JVM when the archive cannot be mapped (wrong runtime, jar changed)
        String[] r = exec(List.of(bundle.resolve("runtime/bin/java").toString(), "-Xshare:on",
                "-XX:SharedArchiveFile=" + bundle.resolve("lib/bgfetch.jsa"), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-cp", cp, "dev.bgfetch.Main", "--version"), Map.of());
        assertEquals("0", r[0], r[1] + r[2]);
        assertEquals("", r[2]);
    }

    @Test
    void aRealHttpAndHttpsFetchFromTheBundle() throws Exception {
        byte[] body = TestServer.randomBytes(1_500_000, 9);
        server.file("/f.bin", body);
        SelfSignedTls cert = SelfSignedTls.create(tmp, "ip:127.0.0.1");
        byte[] secret = "over TLS from the bundle\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        HttpsServer https = cert.serve(secret);
        try {
            Path pem = cert.pem(tmp.resolve("ca.pem"));
            Map<String, String> env = Map.of("BGFETCH_CA_CERTIFICATE", pem.toString());
            Path dl = tmp.resolve("dl");
            String[] r = run(env, "fetch", "plain", server.url("/f.bin"), "-d", dl.toString(), "--wait", "--json");
            assertEquals("0", r[0], r[2]);
            assertTrue(r[1].contains("\"result\" : \"success\""), r[1]);
            assertArrayEquals(body, Files.readAllBytes(dl.resolve("f.bin")));

            String url = "https://127.0.0.1:" + https.getAddress().getPort() + "/tls.txt";
            r = run(env, "fetch", "tls", url, "-d", dl.toString(), "--wait");
            assertEquals("0", r[0], r[1] + r[2]);
            assertArrayEquals(secret, Files.readAllBytes(dl.resolve("tls.txt")));
        } finally {
            https.stop(0);
        }
    }

    @Test
    void theRuntimeHoldsWhatJdepsSaysIsNeeded() throws Exception {
        String[] r = exec(List.of(bundle.resolve("runtime/bin/java").toString(), "--list-modules"), Map.of());
        assertEquals("0", r[0], r[2]);
        TreeSet<String> have = r[1].lines().map(l -> l.replaceAll("@.*", "").strip()).filter(l -> !l.isEmpty())
                .collect(Collectors.toCollection(TreeSet::new));

        Path jdeps = Path.of(System.getProperty("java.home"), "bin", "jdeps");
        List<String> cmd = new ArrayList<>(List.of(jdeps.toString(), "--ignore-missing-deps", "--print-module-deps",
                "--multi-release", "17"));
        try (Stream<Path> s = Files.list(bundle.resolve("lib"))) {
            s.map(Path::toString).filter(n -> n.endsWith(".jar")).sorted().forEach(cmd::add);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        String last = out.lines().reduce((a, b) -> b).orElse("");

        TreeSet<String> want = new TreeSet<>(Arrays.asList(last.split(",")));
        want.removeAll(DROPPED);
        want.add("java.logging"); // JLine's; came in through java.sql's requires transitive
        int major = Runtime.version().feature();
        String release = Files.readString(bundle.resolve("runtime/release"));
        String v = release.replaceAll("(?s).*JAVA_VERSION=\"(\\d+).*", "$1");
        if (Integer.parseInt(v) < 22) {
            want.add("jdk.crypto.ec"); // EC for TLS lives there before Java 22
        }
        assertEquals(want, have, "runtime modules vs jdeps (" + last + ", build JDK " + major + ")");
    }

    @Test
    void tarEntryNamesStayBelowOneHundredBytes() throws Exception {
        // JReleaser packs the bundle as bgfetch-VERSION-linux-x86_64/...; ustar names hold 100 bytes
        String top = "bgfetch-" + System.getProperty("bgfetch.version", "0.0.0") + "-linux-x86_64/";
        try (Stream<Path> s = Files.walk(bundle)) {
            List<String> longOnes = s.map(p -> top + bundle.relativize(p))
                    .filter(n -> n.getBytes(StandardCharsets.UTF_8).length >= 100).collect(Collectors.toList());
            assertEquals(List.of(), longOnes);
        }
    }
}

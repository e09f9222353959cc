package dev.bgfetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The distribution's launcher, bin/bgfetch (failsafe, after package): stdout carries only the program's
 * output, exit codes pass through, symlinks work, the JVM's class-data archive never disturbs a command.
 */
class LauncherIT {
    private static Path dist;
    private static Path launcher;
    private static String version;

    @TempDir
    Path tmp;

    /**
     * The launcher trains the client's class-data archive in the background (JDK 17-18), writing into
     * the test's cache until it renames its result: JUnit's clean-up of the temporary directory must not
     * race it (it failed 2 runs in 5 under load), so a test ends once no training is under way.
     */
    @AfterEach
    void letTrainingFinish() throws Exception {
        Path cache = tmp.resolve("cache").resolve("bgfetch");
        long end = System.nanoTime() + 60_000_000_000L;
        while (Files.isDirectory(cache) && System.nanoTime() < end) {
            try (Stream<Path> s = Files.list(cache)) {
                if (s.noneMatch(p -> p.getFileName().toString().endsWith(".training"))) {
                    return;
                }
            }
            Thread.sleep(50);
        }
    }

    @BeforeAll
    static void findDistribution() {
        dist = Path.of(System.getProperty("bgfetch.dist", "target/bgfetch")).toAbsolutePath();
        launcher = dist.resolve("bin/bgfetch");
        version = System.getProperty("bgfetch.version", "");
        assertTrue(Files.isExecutable(launcher), launcher + " is missing or not executable (run ./mvnw -B verify)");
    }

    record Run(int exit, String out, String err) {
    }

    private Run run(Path command, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(command.toString());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("BGFETCH_JAVA_OPTS");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("BGFETCH_HOME", tmp.resolve("store").toString());
        pb.environment().put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Run run(Map<String, String> env, String... args) throws Exception {
        return run(launcher, env, args);
    }

    private static void assertVersionOnly(Run r) {
        assertEquals(0, r.exit(), () -> "exit code; stderr: " + r.err());
        if (version.isEmpty()) {
            assertTrue(r.out().matches("bgfetch \\S+\n"), "stdout must be exactly the version line: " + r.out());
        } else {
            assertEquals("bgfetch " + version + "\n", r.out(), "stdout must be exactly the version line");
        }
        assertTrue(!r.out().equals("bgfetch dev\n"), "no Implementation-Version in the jar's manifest");
        assertEquals("", r.err(), "stderr");
    }

    @Test
    void versionIsOneLineOnStdout() throws Exception {
        assertVersionOnly(run(Map.of(), "--version"));
    }

    @Test
    void helpListsTheExitCodes() throws Exception {
        Run r = run(Map.of(), "--help");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Exit Codes:"), r.out());
        assertTrue(r.out().contains("124"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void exitCodeOfTheProgramPassesThrough() throws Exception {
        Run r = run(Map.of());
        assertEquals(2, r.exit(), r.err());
        assertEquals("", r.out());
    }

    @Test
    void worksThroughSymlinks() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("home/bin"));
        Path first = Files.createSymbolicLink(bin.resolve("bgfetch"), launcher);
        Path second = Files.createSymbolicLink(tmp.resolve("bg"), Path.of("home/bin/bgfetch")); // relative
        try {
            assertVersionOnly(run(first, Map.of(), "--version"));
            assertVersionOnly(run(second, Map.of(), "--version"));
        } finally {
            Files.delete(first); // JUnit would warn about links out of its temp dir
        }
    }

    @Test
    void passesItsLocationAndTheUsersJavaOptions() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("bgfetch"), launcher);
        Run r;
        try {
            r = run(link, Map.of("BGFETCH_JAVA_OPTS", "-XshowSettings:properties -Dbgfetch.it=yes"), "--version");
        } finally {
            Files.delete(link);
        }
        assertEquals(0, r.exit(), r.err());
        String real = launcher.toRealPath().toString();
        String home = dist.toRealPath().toString();
        assertTrue(r.err().contains("bgfetch.launcher = " + real + "\n"), r.err());
        assertTrue(r.err().contains("bgfetch.home.dist = " + home + "\n"), r.err());
        assertTrue(r.err().contains("bgfetch.it = yes\n"), r.err());
    }

    @Test
    void clearErrorWithoutJava() throws Exception {
        Run r = run(Map.of("JAVA_HOME", tmp.resolve("no-such-jdk").toString()), "--version");
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("bgfetch: JAVA_HOME is "), r.err());
    }

    /** The JDKs to try: this test's own, and any Java 19+ under /usr/lib/jvm (the class-data archive). */
    static Stream<String> javaHomes() throws IOException {
        Map<String, String> homes = new LinkedHashMap<>();
        Path own = Path.of(System.getProperty("java.home"));
        homes.put(own.toRealPath().toString(), own.toString());
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> s = Files.list(jvms)) {
                s.filter(h -> Files.isExecutable(h.resolve("bin/java")) && major(h) >= 19).forEach(h -> {
                    try {
                        homes.putIfAbsent(h.toRealPath().toString(), h.toString());
                    } catch (IOException e) {
                        // a dangling link: not a JDK to try
                    }
                });
            }
        }
        return homes.values().stream();
    }

    private static int major(Path javaHome) {
        try {
            for (String line : Files.readAllLines(javaHome.resolve("release"), StandardCharsets.UTF_8)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(v.split("[^0-9]")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return 0;
    }

    @ParameterizedTest
    @MethodSource("javaHomes")
    void classDataArchiveNeverDisturbsACommand(String javaHome) throws Exception {
        Path cache = tmp.resolve("cache");
        Map<String, String> env = Map.of("JAVA_HOME", javaHome, "XDG_CACHE_HOME", cache.toString());
        assertVersionOnly(run(env, "--version")); // starts the training of the archive
        assertVersionOnly(run(env, "--version")); // uses it once made
        Run usage = run(env, "--no-such-option");
        assertEquals(2, usage.exit(), usage.err());
        assertEquals("", usage.out());

        List<Path> archives = new ArrayList<>();
        if (Files.isDirectory(cache.resolve("bgfetch"))) {
            try (Stream<Path> s = Files.list(cache.resolve("bgfetch"))) {
                s.forEach(archives::add);
            }
        }
        boolean roomy = Files.getFileStore(tmp).getUsableSpace() > (1L << 30);
        if (major(Path.of(javaHome)) >= 17 && roomy) {
            // a background JVM made it, trained on its own commands, while ours ran
            Path archive = awaitArchive(cache.resolve("bgfetch"));
            assertTrue(archive.getFileName().toString().endsWith("-java" + javaVersion(Path.of(javaHome)) + ".jsa"),
                    archive.toString());
            assertVersionOnly(run(env, "--version")); // uses it
            Files.write(archive, new byte[0]);
            assertVersionOnly(run(env, "--version")); // a damaged one is made again
            assertTrue(Files.size(awaitArchive(cache.resolve("bgfetch"))) > 0, "the empty archive was not replaced");
        }

        // a cache that cannot be written: no archive, and nothing to see
        assertVersionOnly(run(Map.of("JAVA_HOME", javaHome, "XDG_CACHE_HOME", "/proc/self/no-cache"), "--version"));
    }

    /**
     * A new build of the same version in the same place (the jar changed, the archive's name did
     * not): Java 19+ only warns that the worker's archive does not fit and never writes it again, so
     * every worker would run without it; the launcher removes it for the JVM to make anew.
     */
    @Test
    void anArchiveOfAnEarlierJarIsMadeAnewOnJava19() throws Exception {
        Path javaHome = null;
        for (String h : javaHomes().toList()) {
            if (major(Path.of(h)) >= 19) {
                javaHome = Path.of(h);
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(javaHome != null, "no Java 19+ here");
        Path dist = tmp.resolve("dist");
        Path from = launcher.getParent().getParent();
        for (String dir : List.of("bin", "lib")) {
            Files.createDirectories(dist.resolve(dir));
            try (Stream<Path> files = Files.list(from.resolve(dir))) {
                for (Path f : files.toList()) {
                    Files.copy(f, dist.resolve(dir).resolve(f.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Path bin = dist.resolve("bin/bgfetch");
        Path cache = tmp.resolve("cache19");
        Map<String, String> env = Map.of("JAVA_HOME", javaHome.toString(), "XDG_CACHE_HOME", cache.toString(),
                "BGFETCH_WORKER_IDLE", "0s");
        assertEquals(0, run(bin, env, "worker", "--run").exit()); // nothing to do: it exits, and writes its archive
        List<Path> archives;
        try (Stream<Path> list = Files.list(cache.resolve("bgfetch"))) {
            archives = list.toList();
        }
        assertEquals(1, archives.size(), archives.toString());
        Path archive = archives.get(0);

        Path jar = dist.resolve("lib/bgfetch.jar");
        Path rebuilt = tmp.resolve("rebuilt.jar");
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(jar));
                java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(rebuilt))) {
            for (java.util.zip.ZipEntry e; (e = in.getNextEntry()) != null; ) {
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                in.transferTo(out);
            }
            out.putNextEntry(new java.util.zip.ZipEntry("rebuilt.txt"));
            out.write("a later build\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.move(rebuilt, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // as if the archive was written a minute before this build (file times may be coarse)
        Files.setLastModifiedTime(archive, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(jar).toMillis() - 60_000));

        assertEquals(0, run(bin, env, "worker", "--run").exit()); // the stale one goes; this JVM writes a new one
        Map<String, String> logged = new LinkedHashMap<>(env);
        logged.put("BGFETCH_JAVA_OPTS", "-Xlog:class+load=info:stderr");
        Run r = run(bin, logged, "worker", "--run");
        assertTrue(r.err().lines().anyMatch(l -> l.contains("dev.bgfetch.Main source: shared objects file")),
                "the next worker's classes come from the new archive: " + r.err().lines().filter(l -> l.contains("dev.bgfetch.Main ")).toList());
    }

    /**
     * Java 17-18: the background training runs fetch, get and list, so their classes come from the
     * archive (trained on {@code list} alone, fetch's registration and state writing came from jars).
     */
    @Test
    void aCommandLoadsNothingItDoesNotUse() throws Exception {
        // What a cold start paid for nothing (async-profiler, 10 runs each): picocli's reflective java.sql
        // converters, a lambda class per subcommand, and the proxy class the JDK generates for each annotation
        // type read (the command models are built by hand). (Its look for Groovy fails to load, so no log shows it.)
        // And lambdas and streams on the way of every fetch and get (1-7 ms each, linked at every start).
        Path log = tmp.resolve("classes.txt");
        for (String[] args : List.of(new String[] {"fetch", "t", "http://127.0.0.1:2/x.bin", "-d", tmp.resolve("dl").toString()},
                new String[] {"--version"}, new String[] {"get", "t"}, new String[] {"list"})) {
            Run r = run(Map.of("BGFETCH_JAVA_OPTS", "-Dbgfetch.launcher=/bin/true -Xlog:class+load=info:file=" + log), args);
            assertEquals(0, r.exit(), r.err());
            String loaded = Files.readString(log);
            for (String c : List.of(" java.sql.", "source: __dynamic_proxy__")) {
                assertNull(loaded.lines().filter(l -> l.contains(c)).findFirst().orElse(null), String.join(" ", args) + " loaded " + c);
            }
            // Options are bound without reflective field access (cli/Fields): on JDK 18+ each field's first
            // access builds a method-handle accessor, ~20 ms a command on JDK 25.
            java.util.regex.Pattern accessor = java.util.regex.Pattern.compile(
                    " jdk\\.internal\\.reflect\\.(Unsafe|MethodHandle)(Qualified)?(Object|Boolean|Byte|Char|Short|Int|Long|Float|Double)FieldAccessorImpl ");
            assertNull(loaded.lines().filter(l -> accessor.matcher(l).find()).findFirst().orElse(null),
                    String.join(" ", args) + " read or wrote a field by reflection");
            // No lambda of ours at all (the first of a JVM sets up the JDK's method-handle machinery, ~6 ms).
            assertNull(loaded.lines().filter(l -> l.contains("$$Lambda") && l.contains(" dev.bgfetch.")).findFirst().orElse(null),
                    String.join(" ", args) + " linked a lambda");
            if (args[0].equals("fetch")) { // and the registration's timestamp needs none of java.time's formatters
                assertNull(loaded.lines().filter(l -> l.contains(" java.time.format.DateTimeFormatter ")).findFirst().orElse(null),
                        "fetch loaded java.time's formatters");
            }
        }
        // --json output without an ObjectMapper, whose class initialisation was 25-50 ms of each such command
        for (String[] args : List.of(new String[] {"list", "--json"}, new String[] {"get", "t", "--json"},
                new String[] {"--json", "--version"})) {
            Run r = run(Map.of("BGFETCH_JAVA_OPTS", "-Dbgfetch.launcher=/bin/true -Xlog:class+load=info:file=" + log), args);
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().startsWith("{"), r.out());
            String c = " com.fasterxml.jackson.databind.ObjectMapper ";
            assertNull(Files.readString(log).lines().filter(l -> l.contains(c)).findFirst().orElse(null),
                    String.join(" ", args) + " loaded" + c);
            assertNull(Files.readString(log).lines().filter(l -> l.contains("$$Lambda") && l.contains(" dev.bgfetch."))
                    .findFirst().orElse(null), String.join(" ", args) + " linked a lambda");
        }
    }

    @Test
    void theTrainedArchiveHoldsWhatFetchAndGetLoad() throws Exception {
        Path javaHome = Path.of(System.getProperty("java.home"));
        org.junit.jupiter.api.Assumptions.assumeTrue(major(javaHome) >= 17 && major(javaHome) < 19, "Java 17-18 only");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.getFileStore(tmp).getUsableSpace() > (1L << 30), "room for an archive");
        assertVersionOnly(run(Map.of(), "--version")); // starts the training
        awaitArchive(tmp.resolve("cache").resolve("bgfetch"));
        Path fetchLog = tmp.resolve("fetch-classes.txt");
        Path getLog = tmp.resolve("get-classes.txt");
        // /bin/true as the worker (the user's -D wins over the launcher's): registration, no download
        Run fetch = run(Map.of("BGFETCH_JAVA_OPTS", "-Dbgfetch.launcher=/bin/true -Xlog:class+load=info:file=" + fetchLog),
                "fetch", "t", "http://127.0.0.1:2/x.bin", "-d", tmp.resolve("dl").toString());
        assertEquals(0, fetch.exit(), fetch.err());
        Run get = run(Map.of("BGFETCH_JAVA_OPTS", "-Dbgfetch.launcher=/bin/true -Xlog:class+load=info:file=" + getLog),
                "get", "t");
        assertEquals(0, get.exit(), get.err());
        for (String c : List.of("dev.bgfetch.cli.FetchCommand", "dev.bgfetch.cli.Registration", "dev.bgfetch.state.StateJson",
                "dev.bgfetch.worker.WorkerLauncher")) {
            assertTrue(fromArchive(fetchLog, c), c + " is not in the archive: " + classLine(fetchLog, c) + "; " + classLine(fetchLog, "dev.bgfetch.Main") + "; archives: " + listing(tmp.resolve("cache").resolve("bgfetch")));
        }
        for (String c : List.of("dev.bgfetch.cli.GetCommand", "dev.bgfetch.state.StateJson")) {
            assertTrue(fromArchive(getLog, c), c + " is not in the archive: " + classLine(getLog, c));
        }
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName() + " " + p.toFile().length()).toList();
        }
    }

    private static boolean fromArchive(Path log, String className) throws IOException {
        return classLine(log, className).contains("shared objects file");
    }

    private static String classLine(Path log, String className) throws IOException {
        return Files.readAllLines(log).stream().filter(l -> l.contains(" " + className + " ")).findFirst().orElse("(not loaded)");
    }

    /** Waits for the one finished archive (no training directory, no temp file left) in {@code dir}. */
    private static Path awaitArchive(Path dir) throws Exception {
        List<Path> files = List.of();
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90); System.nanoTime() < end; Thread.sleep(100)) {
            try (Stream<Path> s = Files.list(dir)) {
                files = s.toList();
            }
            if (files.size() == 1 && files.get(0).toString().endsWith(".jsa") && Files.size(files.get(0)) > 0) {
                return files.get(0);
            }
        }
        throw new AssertionError("no archive made in " + dir + ": " + files);
    }

    private static String javaVersion(Path javaHome) throws IOException {
        for (String line : Files.readAllLines(javaHome.resolve("release"))) {
            if (line.startsWith("JAVA_VERSION=")) {
                return line.substring(13).replace("\"", "");
            }
        }
        return "";
    }

    /** {@code env} with a PATH whose {@code uname -sm} says {@code machine} ("Linux x86_64"). */
    private Map<String, String> withUname(Map<String, String> env, String machine) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("uname-" + machine.replace(' ', '-')));
        Path uname = bin.resolve("uname");
        Files.writeString(uname, "#!/bin/sh\necho '" + machine + "'\n");
        assertTrue(uname.toFile().setExecutable(true));
        Map<String, String> with = new java.util.HashMap<>(env);
        with.put("PATH", bin + ":" + System.getenv("PATH"));
        return with;
    }

    /** A JAVA_HOME of Java {@code version} whose java prints its arguments, one a line. */
    private static Path echoingJdk(Path home, String version) throws IOException {
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nfor a; do printf '%s\\n' \"$a\"; done\n");
        assertTrue(java.toFile().setExecutable(true));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        return home;
    }

    @Test
    void theWorkerDumpsItsOwnArchiveAtExitOnJava17AndLetsJava19MakeOne() throws Exception {
        for (String v : List.of("17.0.15", "25.0.3")) {
            Path home = echoingJdk(tmp.resolve("jdk" + v), v);
            Map<String, String> env = Map.of("JAVA_HOME", home.toString());
            List<String> worker = run(env, "worker", "--run").out().lines().toList();
            String option = v.startsWith("17") ? "-XX:ArchiveClassesAtExit=" : "-XX:SharedArchiveFile=";
            assertTrue(worker.stream().anyMatch(a -> a.startsWith(option) && a.endsWith("-java" + v + "-worker.jsa")),
                    worker.toString());
            List<String> status = run(env, "worker", "--status").out().lines().toList();
            assertTrue(status.stream().noneMatch(a -> a.endsWith("-worker.jsa")), "a client command: " + status);
        }
    }

    /** A JVM asked to dump an archive refuses a JVMTI agent and exits: with one, the worker dumps none. */
    @Test
    void aWorkerWithAnAgentOfTheUsersDumpsNoArchive() throws Exception {
        for (String v : List.of("17.0.15", "25.0.3")) {
            Path home = echoingJdk(tmp.resolve("jdk-agent" + v), v);
            for (String agent : List.of("-agentlib:jdwp=transport=dt_socket,server=y,suspend=n", "-agentpath:/x/libp.so=start",
                    "-javaagent:/x/a.jar")) {
                List<String> worker = run(Map.of("JAVA_HOME", home.toString(), "BGFETCH_JAVA_OPTS", agent),
                        "worker", "--run").out().lines().toList();
                assertTrue(worker.contains(agent), worker.toString());
                assertTrue(worker.stream().noneMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit")
                        || a.startsWith("-XX:+AutoCreateSharedArchive")), agent + ": " + worker);
            }
        }
    }

    /** A directives file the JVM cannot parse is only a warning on stderr: the JVM runs on with C2 for all. */
    @Test
    void theWorkersCompilerDirectivesParseOnThisJava() throws Exception {
        Path directives = launcher.getParent().getParent().resolve("lib/worker-jit.json");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UnlockDiagnosticVMOptions", "-XX:CompilerDirectivesFile=" + directives,
                "-XX:+DisplayVMOutputToStderr", "-version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.startsWith("2 compiler directives added"), out);
        assertTrue(!out.contains("error"), out);
    }

    /** The worker's per-package compile thresholds are accepted by this Java without a word on stdout or stderr. */
    @Test
    void theWorkersCompileCommandsAreQuietOnThisJava() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:CompileCommand=quiet", "-XX:CompileCommand=CompileThresholdScaling,sun/security/ssl/*.*,0.05",
                "-XX:+DisplayVMOutputToStderr", "-cp", System.getProperty("java.class.path"), "dev.bgfetch.Main",
                "--version").start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        assertTrue(out.startsWith("bgfetch "), out);
        assertEquals("", err);
    }

    @Test
    void theWorkerGetsItsOwnJvmOptionsAndNoArchiveOnAnUnknownJava() throws Exception {
        Path fakeJdk = Files.createDirectories(tmp.resolve("jdk/bin"));
        Path java = fakeJdk.resolve("java");
        Files.writeString(java, "#!/bin/sh\nfor a; do printf '%s\\n' \"$a\"; done\n");
        assertTrue(java.toFile().setExecutable(true));
        Map<String, String> env = Map.of("JAVA_HOME", tmp.resolve("jdk").toString());

        // Where BoringSSL is not expected (here: an arm64 machine), the worker keeps C2 for the JDK's crypto
        List<String> worker = run(withUname(env, "Linux aarch64"), "worker", "--run").out().lines().toList();
        assertTrue(!worker.contains("-XX:TieredStopAtLevel=1") && worker.contains("-XX:+UseSerialGC"), worker.toString());
        // a heap that starts small: its old generation is collected before it grows (RSS, bench/RESULTS.md)
        assertTrue(worker.contains("-Xms16m") && worker.contains("-Xmn4m"), worker.toString());
        assertTrue(worker.stream().noneMatch(a -> a.contains("SharedArchiveFile")), worker.toString());
        assertEquals(List.of("dev.bgfetch.Main", "worker", "--run"), worker.subList(worker.size() - 3, worker.size()));
        Path directives = launcher.getParent().getParent().resolve("lib/worker-jit.json").toRealPath();
        assertTrue(worker.contains("-XX:CompilerDirectivesFile=" + directives), "C2 for the crypto only: " + worker);
        assertTrue(worker.contains("-XX:CompileCommand=CompileThresholdScaling,com/sun/crypto/provider/*.*,0.05")
                && worker.contains("-XX:CompileCommand=quiet"), "the crypto reaches C2 early: " + worker);

        // Where BoringSSL's library is in the jar (x86-64 Linux and macOS) it does the TLS: C1 only
        for (String machine : List.of("Linux x86_64", "Darwin x86_64")) {
            List<String> c1 = run(withUname(env, machine), "worker", "--run").out().lines().toList();
            assertTrue(c1.contains("-XX:TieredStopAtLevel=1") && c1.contains("-Dbgfetch.jit=c1"), machine + ": " + c1);
            assertTrue(c1.stream().noneMatch(a -> a.contains("CompilerDirectivesFile") || a.contains("CompileThresholdScaling")),
                    machine + ": " + c1);
            assertTrue(c1.contains("-Xms16m") && c1.contains("-XX:+UseSerialGC"), c1.toString());
        }
        // ... but C2 for the crypto when the command that starts it registered checksums (SHA-256), when
        // the user asks for the JDK's TLS, or says so
        Map<String, String> checksums = new java.util.HashMap<>(withUname(env, "Linux x86_64"));
        checksums.put("BGFETCH_WORKER_JIT", "tiers");
        Map<String, String> jdkTls = new java.util.HashMap<>(withUname(env, "Linux x86_64"));
        jdkTls.put("BGFETCH_JAVA_OPTS", "-Xmx64m -Dbgfetch.tls=jdk");
        for (Map<String, String> e : List.of(checksums, jdkTls)) {
            List<String> tiers = run(e, "worker", "--run").out().lines().toList();
            assertTrue(!tiers.contains("-XX:TieredStopAtLevel=1") && !tiers.contains("-Dbgfetch.jit=c1")
                    && tiers.contains("-XX:CompilerDirectivesFile=" + directives), e + ": " + tiers);
        }
        Map<String, String> c1OnArm = new java.util.HashMap<>(withUname(env, "Linux aarch64"));
        c1OnArm.put("BGFETCH_WORKER_JIT", "c1");
        assertTrue(run(c1OnArm, "worker", "--run").out().lines().toList().contains("-XX:TieredStopAtLevel=1"));

        List<String> command = run(env, "list", "--json").out().lines().toList();
        assertTrue(command.contains("-XX:TieredStopAtLevel=1"), command.toString());
        assertTrue(command.stream().noneMatch(a -> a.contains("CompilerDirectivesFile")), command.toString());
        assertTrue(command.contains("-Xlog:all=warning:stderr"), command.toString());
        assertEquals(List.of("dev.bgfetch.Main", "list", "--json"), command.subList(command.size() - 3, command.size()));
    }

    @Test
    void aWorkerShortOfDirectMemoryStillFinishesEveryBody() throws Exception {
        // -XX:MaxDirectMemorySize=1m holds one 512 KiB block, not the second of a background write nor
        // a block for each body: the error killed the transfer's thread and left its record running
        // for good (a hostile tester's -XX:MaxDirectMemorySize=2m); now those bodies do without
        try (dev.bgfetch.support.TestServer server = dev.bgfetch.support.TestServer.start()) {
            List<byte[]> bodies = new ArrayList<>();
            List<String> args = new ArrayList<>(List.of("fetch", "oom"));
            for (int i = 0; i < 3; i++) {
                bodies.add(dev.bgfetch.support.TestServer.randomBytes(6 * 1024 * 1024 + 77 * i, 40 + i));
                server.file("/b" + i + ".bin", bodies.get(i));
                args.add(server.url("/b" + i + ".bin"));
            }
            Path dir = tmp.resolve("oom");
            args.addAll(List.of("-d", dir.toString(), "--split", "1", "--wait"));
            Run r = run(Map.of("BGFETCH_JAVA_OPTS", "-XX:MaxDirectMemorySize=1m", "BGFETCH_WORKER_IDLE", "1s"),
                    args.toArray(new String[0]));
            assertEquals(0, r.exit(), r.toString());
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(bodies.get(i), Files.readAllBytes(dir.resolve("b" + i + ".bin")), "b" + i);
            }
        }
    }

    @Test
    void theArchiveOfAWorkerThatFetchedOnlyHttpServesHttpsToo() throws Exception {
        Path javaHome = Path.of(System.getProperty("java.home"));
        org.junit.jupiter.api.Assumptions.assumeTrue(major(javaHome) >= 17 && major(javaHome) < 19, "Java 17-18 only");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.getFileStore(tmp).getUsableSpace() > (1L << 30), "room for an archive");
        Path cache = tmp.resolve("cache").resolve("bgfetch");
        dev.bgfetch.support.SelfSignedTls cert = dev.bgfetch.support.SelfSignedTls.create(
                Files.createDirectories(tmp.resolve("tls")), "ip:127.0.0.1");
        byte[] body = dev.bgfetch.support.TestServer.randomBytes(70_000, 9);
        com.sun.net.httpserver.HttpsServer https = cert.serve(body);
        try (dev.bgfetch.support.TestServer server = dev.bgfetch.support.TestServer.start()) {
            server.file("/a.bin", body);
            Map<String, String> env = Map.of("BGFETCH_WORKER_IDLE", "1s",
                    "BGFETCH_CA_CERTIFICATE", cert.pem(tmp.resolve("ca.pem")).toString());
            // the first worker of this build fetches http only; its exit writes the worker's archive
            assertEquals(0, run(env, "fetch", "plain", server.url("/a.bin"), "-d", tmp.resolve("dl").toString(), "--wait").exit());
            Path archive = null;
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); archive == null && System.nanoTime() < end;
                    Thread.sleep(100)) {
                try (Stream<Path> s = Files.list(cache)) {
                    archive = s.filter(p -> p.toString().endsWith("-worker.jsa") && p.toFile().length() > 0).findFirst().orElse(null);
                }
                if (archive != null && run(env, "worker", "--status").out().startsWith("running")) {
                    archive = null; // still being written at the worker's exit
                }
            }
            assertTrue(archive != null, "no worker archive: " + listing(cache));
            Thread.sleep(1000);
            // a later worker fetches https: the TLS stack comes from that archive, not from the jars
            Path logs = Files.createDirectories(tmp.resolve("classes"));
            Map<String, String> logged = new java.util.HashMap<>(env);
            logged.put("BGFETCH_JAVA_OPTS", "-Xlog:class+load=info:file=" + logs.resolve("c.%p.txt"));
            Run r = run(logged, "fetch", "tls", "https://127.0.0.1:" + https.getAddress().getPort() + "/f.bin",
                    "-d", tmp.resolve("dl").toString(), "--wait");
            assertEquals(0, r.exit(), r.toString());
            String lines;
            try (Stream<Path> s = Files.list(logs)) {
                lines = s.map(p -> {
                    try {
                        return Files.readString(p);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).collect(java.util.stream.Collectors.joining());
            }
            // it loaded them from the jars (an archive made by an http-only worker lacked them)
            for (String c : List.of("org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy")) {
                String line = lines.lines().filter(l -> l.contains(" " + c + " ")).findFirst().orElse("(not loaded)");
                assertTrue(line.contains("shared objects file"), c + ": " + line);
            }
        } finally {
            https.stop(0);
            run(Map.of(), "worker", "--stop", "-q");
        }
    }

    /** SPEC §2: a full disk on stdout is exit 1 with one line on stderr, as cat does; a reader that left early is not. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("writingCommands")
    void aFullDiskOnStdoutIsExit1(String command) throws Exception {
        Path devFull = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(devFull), "Linux /dev/full");
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(Arrays.asList(command.split(" ")));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("BGFETCH_HOME", tmp.resolve("store").toString());
        pb.environment().put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        Path err = tmp.resolve("err.txt");
        pb.redirectOutput(devFull.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + cmd);
        String stderr = Files.readString(err);
        assertEquals(1, p.exitValue(), stderr);
        assertEquals("bgfetch: cannot write to stdout: no space left on device\n", stderr);
    }

    @Test
    void aFetchWhoseIdCannotBePrintedSaysItIsRegistered() throws Exception {
        // a hostile tester's find: exit 1 and "cannot write to stdout" alone read as if nothing was stored
        Path devFull = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(devFull), "Linux /dev/full");
        int refusing;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            refusing = s.getLocalPort(); // closed again: the worker waits for the network
        }
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "fetch", "full1", "http://127.0.0.1:" + refusing + "/x.bin",
                "-d", tmp.resolve("dl").toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("BGFETCH_HOME", tmp.resolve("store").toString());
        pb.environment().put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        Path err = tmp.resolve("err.txt");
        pb.redirectOutput(devFull.toFile()).redirectError(err.toFile());
        try {
            Process p = pb.start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String stderr = Files.readString(err);
            assertEquals(1, p.exitValue(), stderr);
            assertEquals("bgfetch: 'full1' is registered and runs all the same (bgfetch get shows it)\n"
                    + "bgfetch: cannot write to stdout: no space left on device\n", stderr);
            assertEquals(0, run(Map.of(), "get", "full1", "-q").exit());
        } finally {
            run(Map.of(), "abort", "full1", "-q");
            run(Map.of(), "worker", "--stop", "-q");
        }
    }

    static Stream<String> writingCommands() {
        return Stream.of("--version", "--help", "list --json", "worker --status", "help fetch");
    }

    @Test
    void aReaderThatLeftIsNotAnError() throws Exception {
        // `true` exits long before the JVM writes: the write gets EPIPE, as under `| head` with more output.
        Path status = tmp.resolve("status");
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", "(\"$0\" --help; echo $? > \"$1\") | true",
                launcher.toString(), status.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("BGFETCH_HOME", tmp.resolve("store").toString());
        pb.environment().put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        Path err = tmp.resolve("err.txt");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("", Files.readString(err), "no message when the reader left");
        assertEquals("0", Files.readString(status).strip());
    }
}

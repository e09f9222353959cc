package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker as the launcher spawns it skips picocli: only that exact command line does, and a
 * store that cannot be opened is one line on stderr and exit 1, as through picocli.
 */
class SpawnedWorkerTest {
    @TempDir
    Path tmp;

    @Test
    void onlyTheLaunchersExactCommandLineIsRunDirectly() {
        assertEquals(Optional.empty(), WorkerCommand.runAsSpawned(new String[] {"worker", "--run"}));
        assertEquals(Optional.empty(), WorkerCommand.runAsSpawned(new String[] {"worker", "--status", "--home", "x"}));
        assertEquals(Optional.empty(), WorkerCommand.runAsSpawned(new String[] {"worker", "--run", "--home", "x", "-v"}));
        assertEquals(Optional.empty(), WorkerCommand.runAsSpawned(new String[] {"list", "--run", "--home", "x"}));
    }

    @Test
    void aHomeThatIsAFileIsOneLineAndExitOne() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Optional<Integer> code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = WorkerCommand.runAsSpawned(new String[] {"worker", "--run", "--home", file.toString()});
        } finally {
            System.setErr(saved);
        }
        String said = err.toString(StandardCharsets.UTF_8);
        assertEquals(Optional.of(ExitCodes.FAILURE), code, said);
        assertEquals(1, said.lines().count(), said);
        assertTrue(said.startsWith("bgfetch: ") && !said.contains("\tat "), said);
    }
}

package dev.bgfetch.cli;

import dev.bgfetch.state.IoReason;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import picocli.CommandLine;

/**
 * The process's stdout, and the one check that a command's output really got out (SPEC §2). Java's
 * PrintWriter and PrintStream swallow write errors, so a full disk would otherwise exit 0 with a
 * truncated file; this stream remembers the first error so the message can say why.
 */
public final class Stdout extends FilterOutputStream {
    /** Where raw bytes go ({@code match --body}): picocli's writers carry characters. Tests swap it. */
    static PrintStream bytes = System.out;

    /** The stream {@link #install} put on file descriptor 1; null in-process (tests bring their own writers). */
    private static volatile Stdout installed;

    private volatile IOException failure;

    private Stdout(OutputStream out) {
        super(out);
    }

    /** Points picocli's stdout writer and the byte stream at file descriptor 1, through one recording stream. */
    public static void install(CommandLine cl) {
        Stdout s = new Stdout(new FileOutputStream(FileDescriptor.out));
        installed = s;
        cl.setOut(new PrintWriter(new OutputStreamWriter(s, encoding()), true));
        bytes = new PrintStream(s, false);
    }

    /**
     * Makes every command of {@code cl} end with the stdout check. It reads whatever writers the
     * command line has when the command ends, so in-process tests with their own writers are checked too.
     */
    public static void check(CommandLine cl) {
        cl.setExecutionStrategy(new Checked(cl.getExecutionStrategy()));
    }

    private static Charset encoding() {
        // The property the JDK itself uses for System.out's encoding on Java 17 (stdout.encoding is 19+).
        String name = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            throw remember(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw remember(e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw remember(e);
        }
    }

    private IOException remember(IOException e) {
        if (failure == null) {
            failure = e;
        }
        return e;
    }

    /** A reader that stopped early ({@code | head}) closes the pipe: that is its choice, not a failure. */
    private static boolean readerLeft(IOException e) {
        String m = e.getMessage();
        return m != null && m.toLowerCase(java.util.Locale.ROOT).contains("broken pipe");
    }

    /** Runs the command, then turns a failed write to stdout into exit 1 and one line on stderr. */
    private static final class Checked implements CommandLine.IExecutionStrategy {
        private final CommandLine.IExecutionStrategy inner;

        Checked(CommandLine.IExecutionStrategy inner) {
            this.inner = inner;
        }

        @Override
        public int execute(CommandLine.ParseResult parsed) {
            int code;
            try {
                code = inner.execute(parsed);
            } finally {
                CommandContext.reportWarningsOfTheCommand(); // before the error line, if any
                // checkError() flushes, so buffered output is written (or fails) before the check.
                flushQuietly(parsed.commandSpec().commandLine());
            }
            return verdict(parsed.commandSpec().commandLine(), code);
        }

        private void flushQuietly(CommandLine cl) {
            cl.getOut().flush();
            bytes.flush();
        }

        private int verdict(CommandLine cl, int code) {
            boolean failed = cl.getOut().checkError() | bytes.checkError();
            if (!failed) {
                return code;
            }
            IOException why = installed == null ? null : installed.failure;
            if (why != null && readerLeft(why)) {
                return code;
            }
            PrintWriter err = cl.getErr();
            err.println("bgfetch: cannot write to stdout" + (why == null ? "" : ": " + IoReason.of(why)));
            err.flush();
            return code == ExitCodes.OK ? ExitCodes.FAILURE : code;
        }
    }
}

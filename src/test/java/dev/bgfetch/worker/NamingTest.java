package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SPEC §4.6–4.7: names from URLs, sanitised, never clobbering, never outside the directory. */
class NamingTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "http://h/ep-5.mp3                    | ep-5.mp3",
            "http://h/a/b/c.tar.gz?x=1            | c.tar.gz",
            "http://h/                            | index.html",
            "http://h                             | index.html",
            "http://h/dir/                        | index.html",
            "http://h/%2E%2E                      | index.html",
            "http://h/..%2F..%2Fetc%2Fpasswd      | _.._etc_passwd",
            "http://h/a%5Cb                       | a_b",
            "http://h/.hidden                     | hidden",
            "http://h/%00x                        | _x",
            "http://h/caf%C3%A9.txt               | café.txt",
            "http://h/a+b.txt                     | a+b.txt",
            "http://h/100%25                      | 100%",
            "http://h/hello%20world.txt           | hello world.txt",
            "http://h/dir/a%2Fb%2fc.txt           | a_b_c.txt",
            "http://h/bad%25zz%2520x%20y          | bad%zz%20x y",
            "http://h/%FF%FEraw%20ok              | %FF%FEraw ok",
            "http://h/%C3%BCn%C3%AF.txt?x=%2F     | ünï.txt",
    })
    void namesFromUrls(String url, String name) {
        assertEquals(name, Naming.fromUrl(URI.create(url)));
    }

    @Test
    void invalidEscapesStayAsTheyAreAndValidOnesAroundThemAreDecoded() {
        assertEquals("bad%zz x%", Naming.decode("bad%zz%20x%"));
        assertEquals("%E2%82 x", Naming.decode("%E2%82%20x"), "a cut UTF-8 sequence stays raw");
        assertEquals("€", Naming.decode("%E2%82%AC"));
        assertEquals("a+b", Naming.decode("a+b"));
    }

    @Test
    void sanitiseRemovesControlAndSeparators() {
        assertEquals("a_b_c", Naming.sanitize("a/b\\c"));
        assertEquals("x_y", Naming.sanitize("x\ny"));
        assertEquals("index.html", Naming.sanitize("..."));
        assertEquals("index.html", Naming.sanitize(""));
        String longName = "n".repeat(400) + ".bin";
        String cut = Naming.sanitize(longName);
        assertTrue(cut.length() <= 200 && cut.endsWith(".bin"), cut);
    }

    @Test
    void variantsKeepTheExtension() {
        assertEquals("a.1.mp3", Naming.variant("a.mp3", 1));
        assertEquals("archive.tar.2.gz", Naming.variant("archive.tar.gz", 2));
        assertEquals("README.3", Naming.variant("README", 3));
        assertEquals("a.mp3", Naming.variant("a.mp3", 0));
    }

    @Test
    void chooseSkipsExistingFilesPartsAndReservations() throws IOException {
        Files.writeString(dir.resolve("a.mp3"), "old");
        Files.writeString(dir.resolve("a.1.mp3.part"), "partial of another record");
        Set<Path> reserved = new HashSet<>(Set.of(dir.resolve("a.2.mp3")));
        assertEquals(dir.resolve("a.3.mp3"), Naming.choose(dir, "a.mp3", reserved));
    }

    @Test
    void deliverNeverOverwrites() throws IOException {
        Files.writeString(dir.resolve("a.mp3"), "precious");
        Path part = Files.writeString(dir.resolve("x.part"), "new data");
        Path dest = Naming.deliver(part, dir.resolve("a.mp3"), Set.of());
        assertEquals(dir.resolve("a.1.mp3"), dest);
        assertEquals("precious", Files.readString(dir.resolve("a.mp3")));
        assertEquals("new data", Files.readString(dest));
        assertFalse(Files.exists(part));
    }

    @Test
    void contentDispositionNamesAreSanitised() {
        assertEquals("report.pdf", Naming.fromContentDisposition("attachment; filename=\"report.pdf\""));
        assertEquals("_.._evil.sh", Naming.fromContentDisposition("attachment; filename=\"/../evil.sh\""));
        assertEquals("résumé.txt", Naming.fromContentDisposition(
                "attachment; filename=\"x.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"));
        assertEquals(null, Naming.fromContentDisposition("inline"));
    }

    /** Header text as a connection holds it: each byte of the UTF-8 one Latin-1 character ("café" is "cafÃ©"). */
    private static String asReceived(String text) {
        return new String(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test
    void aRawUtf8FilenameIsReadAsUtf8AndOtherBytesAsLatin1() {
        // header text is held as the Latin-1 characters of its bytes: "café" in UTF-8 arrives as "cafÃ©"
        assertEquals("caf\u00e9 \u20ac.txt",
                Naming.fromContentDisposition("attachment; filename=\"" + asReceived("caf\u00e9 \u20ac.txt") + "\""));
        // a lone E9 is not UTF-8: it is the Latin-1 é it was sent as
        assertEquals("caf\u00e9.txt", Naming.fromContentDisposition("attachment; filename=\"caf\u00e9.txt\""));
    }

    @Test
    void bidiControlsLineSeparatorsAndC1ControlsBecomeUnderscores() {
        // a hostile tester's find: "b\u202etxt.exe" from filename*= was saved as is, shown as "bexe.txt"
        assertEquals("b_txt.exe", Naming.fromContentDisposition("attachment; filename*=UTF-8''b%E2%80%AEtxt.exe"));
        assertEquals("a_b_c_d_e", Naming.sanitize("a\u2066b\u200fc\u2028d\u009be"));
        assertEquals("caf\u00e9 \u20ac.txt", Naming.sanitize("caf\u00e9 \u20ac.txt"), "other text stays");
    }

    @Test
    void anExtendedFilenameTakesItsRawBytesInTheCharsetItNames() {
        // a hostile tester's find: raw UTF-8 in filename*=UTF-8'' was read as Latin-1 ("cafÃ©")
        assertEquals("caf\u00e9 \u20ac.txt",
                Naming.fromContentDisposition("attachment; filename*=UTF-8''" + asReceived("caf\u00e9") + "%20%E2%82%AC.txt"));
        assertEquals("caf\u00e9.txt", Naming.fromContentDisposition("attachment; filename*=iso-8859-1''caf%E9.txt"));
        // bytes that are not the UTF-8 they claim to be, or a broken escape: filename= decides
        assertEquals("plain.txt", Naming.fromContentDisposition("attachment; filename*=UTF-8''caf%E9.txt; filename=plain.txt"));
        assertEquals("plain.txt", Naming.fromContentDisposition("attachment; filename*=UTF-8''caf%E.txt; filename=plain.txt"));
        assertEquals("a+b.txt", Naming.fromContentDisposition("attachment; filename*=UTF-8''a+b.txt"));
    }

    @Test
    void insideRefusesEscapes() {
        assertThrows(IllegalArgumentException.class, () -> Naming.inside(dir, ".."));
        assertThrows(IllegalArgumentException.class, () -> Naming.inside(dir, "a/../../b"));
    }
}

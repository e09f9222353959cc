package dev.bgfetch.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.IDN;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ASCII shortcut of Hosts.toAscii answers exactly as java.net.IDN does, refusals included. */
class HostsTest {
    static String outcome(java.util.function.Supplier<String> f) {
        try {
            return "ok " + f.get();
        } catch (IllegalArgumentException e) {
            return "refused " + e.getMessage();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "Example.COM", "127.0.0.1", "a.b.", ".", "a..b", ".a", "..", "a-b_c",
            "xn--bcher-kva.example", "", "x", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b", "b\u00fccher.example", "a\u3002b"})
    void answersAsIdnDoes(String name) {
        assertEquals(outcome(() -> IDN.toASCII(name)), outcome(() -> Hosts.toAscii(name)));
    }
}

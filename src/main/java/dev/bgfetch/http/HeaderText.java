package dev.bgfetch.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Header text as connections hold it: each byte one Latin-1 character, read and written so, so that
 * a server's validator goes back byte for byte; and the UTF-8 that most text in headers really is.
 */
public final class HeaderText {
    private HeaderText() {
    }

    /** The text the bytes of {@code latin1} spell in UTF-8, or null if they are not UTF-8. */
    public static String asUtf8(String latin1) {
        byte[] bytes = latin1.getBytes(StandardCharsets.ISO_8859_1);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * What a header the user typed becomes on the wire: the UTF-8 bytes of what was typed, as curl
     * sends its argument, handed to the connection as the characters of those bytes.
     */
    static String typed(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0x7f) {
                return new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            }
        }
        return value;
    }
}

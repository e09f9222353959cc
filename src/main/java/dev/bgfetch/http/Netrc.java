package dev.bgfetch.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The logins of a {@code ~/.netrc} (machine / default / login / password, # comments, "quoted"
 * tokens, macdef skipped), read only when the file is private to its owner, as aria2 and curl insist.
 */
public final class Netrc {
    /** A login and password for a host. */
    public record Login(String login, String password) { }

    private final Map<String, Login> machines;
    private final Login fallback;

    private Netrc(Map<String, Login> machines, Login fallback) {
        this.machines = machines;
        this.fallback = fallback;
    }

    /** Thrown for a netrc that is there but not used; the message is one line for the user. */
    public static final class Ignored extends Exception {
        Ignored(String message) {
            super(message, null, false, false);
        }
    }

    /** The netrc at {@code file}, null when there is none; {@link Ignored} when others may read it or it is unreadable. */
    public static Netrc read(Path file) throws Ignored {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.exists(file)) {
            return null;
        }
        String text;
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            for (PosixFilePermission x : p) {
                if (x.name().startsWith("GROUP") || x.name().startsWith("OTHERS")) {
                    throw new Ignored("ignoring " + file + ": others may read it (mode "
                            + mode(p) + "); chmod 600 it to use it");
                }
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | UnsupportedOperationException e) {
            throw new Ignored("ignoring " + file + ": cannot read it (" + e.getMessage() + ")");
        }
        return parse(text);
    }

    static Netrc parse(String text) {
        List<String> t = tokens(text);
        Map<String, Login> machines = new LinkedHashMap<>();
        Login fallback = null;
        String machine = null;
        boolean isDefault = false;
        String login = null;
        String password = null;
        for (int i = 0; i < t.size(); i++) {
            String tok = t.get(i);
            String next = i + 1 < t.size() ? t.get(i + 1) : null;
            switch (tok) {
                case "machine":
                case "default":
                    if (machine != null && !machines.containsKey(machine)) {
                        machines.put(machine, new Login(login, password));
                    } else if (isDefault && fallback == null) {
                        fallback = new Login(login, password);
                    }
                    login = null;
                    password = null;
                    isDefault = tok.equals("default");
                    machine = isDefault ? null : next == null ? null : next.toLowerCase(Locale.ROOT);
                    if (!isDefault) {
                        i++;
                    }
                    break;
                case "login":
                    login = next;
                    i++;
                    break;
                case "password":
                    password = next;
                    i++;
                    break;
                case "account":
                    i++;
                    break;
                default:
                    // macdef bodies were dropped by tokens(); anything else is not ours to guess at
                    break;
            }
        }
        if (machine != null && !machines.containsKey(machine)) {
            machines.put(machine, new Login(login, password));
        } else if (isDefault && fallback == null) {
            fallback = new Login(login, password);
        }
        return new Netrc(machines, fallback);
    }

    /** The login for {@code host} (its machine entry, else default), or null; one without a login name counts as none. */
    public Login find(String host) {
        Login l = machines.getOrDefault(host.toLowerCase(Locale.ROOT), fallback);
        return l == null || l.login() == null ? null : new Login(l.login(), l.password() == null ? "" : l.password());
    }

    private static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        boolean inMacro = false;
        for (String line : lines) {
            if (inMacro) {
                inMacro = !line.isBlank(); // a macdef ends at an empty line
                continue;
            }
            int i = 0;
            int n = line.length();
            while (i < n) {
                char c = line.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '#') {
                    break; // a comment to the end of the line
                } else {
                    StringBuilder b = new StringBuilder();
                    if (c == '"') {
                        i++;
                        while (i < n && line.charAt(i) != '"') {
                            if (line.charAt(i) == '\\' && i + 1 < n) {
                                i++;
                            }
                            b.append(line.charAt(i++));
                        }
                        i++;
                    } else {
                        while (i < n && !Character.isWhitespace(line.charAt(i))) {
                            b.append(line.charAt(i++));
                        }
                    }
                    out.add(b.toString());
                    if (b.toString().equals("macdef")) {
                        inMacro = true;
                        break;
                    }
                }
            }
        }
        return out;
    }

    private static String mode(Set<PosixFilePermission> p) {
        int m = 0;
        for (PosixFilePermission x : p) {
            m |= 1 << (8 - x.ordinal());
        }
        return String.format("%04o", m);
    }
}

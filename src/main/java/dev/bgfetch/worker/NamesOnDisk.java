package dev.bgfetch.worker;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Whether anything (a link too, dangling or not) is at a name in a download directory, for one batch
 * of name choices: a lookup that finds the name free costs a stat, not an exception.
 *
 * <p>Why: on JDK 17 {@code Files.exists} of a missing name throws inside (the JDK builds a
 * NoSuchFileException with its stack trace), and choosing a record's name asks twice (the name, its
 * .part): for a 1000-file group that was ~60 ms of the loop thread before the first transfer could
 * start, on a cold worker (async-profiler, bench/RESULTS.md, seventh session). {@link File#exists}
 * is a plain stat, which follows links, so a name it finds free is looked up in the directory's
 * listing, read once per batch, for a dangling link; only a name found there is asked the exact way.
 * The listing's names are folded (NFC, lower case) so that a case- or normalization-insensitive file
 * system (macOS, VFAT) cannot hide a link behind another spelling of the name.
 */
final class NamesOnDisk {
    /** A directory that cannot be listed: every lookup is asked the exact way. */
    private static final Set<String> UNLISTED = Set.of();

    private final Map<Path, Set<String>> listed = new HashMap<>();

    /** Whether anything exists at {@code p}, a link at it included, dangling or not. */
    boolean exists(Path p) {
        if (new File(p.toString()).exists()) {
            return true;
        }
        Set<String> names = listed.computeIfAbsent(p.getParent(), NamesOnDisk::list);
        if (names != UNLISTED && (names.isEmpty() || !names.contains(fold(p.getFileName().toString())))) {
            return false;
        }
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }

    /** A new batch: the directories are listed again when next asked about. */
    void forget() {
        listed.clear();
    }

    private static Set<String> list(Path dir) {
        File d = new File(dir.toString());
        String[] names = d.list();
        if (names == null) {
            // no directory yet (nothing can be in it), or one that cannot be read (ask each name)
            return d.exists() || Files.exists(dir, LinkOption.NOFOLLOW_LINKS) ? UNLISTED : new HashSet<>();
        }
        Set<String> out = new HashSet<>(names.length * 2);
        for (String n : names) {
            out.add(fold(n));
        }
        return out;
    }

    private static String fold(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) >= 0x80) {
                return Normalizer.normalize(name, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
            }
        }
        return name.toLowerCase(Locale.ROOT); // ASCII is its own NFC (and the normalizer's tables load slowly)
    }
}

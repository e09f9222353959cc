package dev.bgfetch.progress;

/** One running file of a fetch as a view shows it: record index, name, bytes so far, total (-1 unknown), speed. */
public record FileProgress(int index, String name, long downloaded, long total, long speed) {
}

package dev.bgfetch.http;

/** A parsed {@code Content-Range: bytes START-END/TOTAL} (or {@code bytes *}{@code /TOTAL}); -1 marks "*". */
final class ContentRange {
    final long start;
    final long end;
    final long total;

    private ContentRange(long start, long end, long total) {
        this.start = start;
        this.end = end;
        this.total = total;
    }

    static ContentRange parse(String v) {
        if (v == null) {
            return null;
        }
        String s = v.trim();
        if (!s.regionMatches(true, 0, "bytes ", 0, 6)) {
            return null;
        }
        s = s.substring(6).trim();
        int slash = s.indexOf('/');
        if (slash < 0) {
            return null;
        }
        try {
            String range = s.substring(0, slash).trim();
            String totalText = s.substring(slash + 1).trim();
            long total = totalText.equals("*") ? -1 : Long.parseLong(totalText);
            if (range.equals("*")) {
                return new ContentRange(-1, -1, total);
            }
            int dash = range.indexOf('-');
            long start = Long.parseLong(range.substring(0, dash));
            long end = Long.parseLong(range.substring(dash + 1));
            if (start < 0 || end < start || total >= 0 && end >= total) {
                return null;
            }
            return new ContentRange(start, end, total);
        } catch (RuntimeException e) {
            return null;
        }
    }
}

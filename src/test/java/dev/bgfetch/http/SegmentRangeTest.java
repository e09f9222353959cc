package dev.bgfetch.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What a segment may take back after a split: only what the request in flight covers. */
class SegmentRangeTest {
    @Test
    void thePlainFirstRequestReadsOnThroughAGivenBackRange() {
        Segment first = Segment.first();
        first.begin(0, 100, true);
        Segment upper = first.split(10);
        assertNotNull(upper);
        assertEquals(50, first.end());
        assertTrue(first.extend(100), "its GET covers the whole body");
        assertEquals(100, first.end());
    }

    @Test
    void aRangedRequestCoversOnlyTheEndItAskedFor() {
        Segment s = Segment.ranged(0, 100, 0);
        assertEquals(100, s.request());
        Segment upper = s.split(10);
        assertNotNull(upper);
        assertTrue(s.extend(100), "asked for 0-99 before the split");
    }

    @Test
    void aSegmentSplitBeforeItsRequestCannotTakeTheRangeBack() {
        // one scheduling pass split it before its transfer asked: the request stops at the new end
        Segment s = Segment.ranged(0, 100, 0);
        assertNotNull(s.split(10));
        assertFalse(s.extend(100), "nothing requested yet");
        assertEquals(50, s.request());
        assertFalse(s.extend(100), "Range: bytes=0-49 ends before 100");
        assertEquals(50, s.end());
    }

    @Test
    void aSegmentDoneWithItsRangeTakesNothingBack() {
        Segment first = Segment.first();
        first.begin(0, 100, true);
        first.split(10);
        assertEquals(50, first.claim(50));
        assertFalse(first.extend(100), "it stops at its end and its connection is dropped");
    }

    @Test
    void onlyARestOfTwoMinimumSegmentsCanSplitAndSplitAgreesWithCanSplit() {
        long min = 4L << 20;
        Segment small = Segment.first();
        assertFalse(small.canSplit(min), "length unknown");
        small.begin(0, 64 * 1024, true);
        assertFalse(small.canSplit(min), "64 KiB");
        assertEquals(null, small.split(min));
        Segment noRanges = Segment.first();
        noRanges.begin(0, 100L << 20, false);
        assertFalse(noRanges.canSplit(min), "a server without ranges");
        Segment big = Segment.first();
        big.begin(0, 24L << 20, true);
        assertTrue(big.canSplit(min));
        assertEquals((int) (17L << 20), big.claim((int) (17L << 20)));
        assertFalse(big.canSplit(min), "7 MiB unclaimed is less than two 4 MiB segments");
        assertEquals(null, big.split(min));
        assertTrue(big.canSplit(3L << 20));
        assertNotNull(big.split(3L << 20));
    }
}

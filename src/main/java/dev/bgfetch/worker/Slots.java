package dev.bgfetch.worker;

import java.util.HashMap;
import java.util.Map;

/**
 * The connections the worker's transfers hold, in total and per host, against the max-connections and
 * max-per-host settings. Loop thread only: a slot is taken when a transfer starts and given back when
 * its outcome arrives through the events queue.
 */
final class Slots {
    final int maxTotal;
    final int maxPerHost;
    private int running;
    private final Map<String, Integer> perHost = new HashMap<>();

    Slots(int maxTotal, int maxPerHost) {
        this.maxTotal = maxTotal;
        this.maxPerHost = maxPerHost;
    }

    int running() {
        return running;
    }

    int onHost(String host) {
        return perHost.getOrDefault(host, 0);
    }

    void take(String host) {
        running++;
        perHost.merge(host, 1, Integer::sum);
    }

    void give(String host) {
        running--;
        perHost.merge(host, -1, Integer::sum);
    }
}

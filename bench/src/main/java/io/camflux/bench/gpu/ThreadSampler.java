package io.camflux.bench.gpu;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where the threads of one name are, sampled every 10 ms: the share of samples per top stack frame (a native
 * method when they are in FFmpeg, OpenCV or CUDA). A profiler for hosts whose Java runtime has no JFR; it cannot
 * tell running from waiting inside native code, so read it next to the CPU cores used.
 */
final class ThreadSampler {
    private final String threadName;
    private final Map<String, Integer> counts = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private int samples;

    private ThreadSampler(String threadName) {
        this.threadName = threadName;
        this.thread = new Thread(this::run, "thread-sampler");
        thread.setDaemon(true);
    }

    static ThreadSampler start(String threadName) {
        ThreadSampler s = new ThreadSampler(threadName);
        s.thread.start();
        return s;
    }

    private void run() {
        while (running) {
            for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
                if (e.getKey().getName().equals(threadName) && e.getValue().length > 0) {
                    StackTraceElement top = e.getValue()[0];
                    String frame = top.getClassName().substring(top.getClassName().lastIndexOf('.') + 1) + "."
                            + top.getMethodName();
                    synchronized (counts) {
                        counts.merge(frame, 1, Integer::sum);
                        samples++;
                    }
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException ex) {
                return;
            }
        }
    }

    int samples() {
        synchronized (counts) {
            return samples;
        }
    }

    /** Stops; the eight most frequent top frames with their share. */
    String stop() {
        running = false;
        thread.interrupt();
        synchronized (counts) {
            int total = Math.max(1, samples);
            return counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(8)
                    .map(e -> String.format(Locale.ROOT, "%s %.0f%%", e.getKey(), 100.0 * e.getValue() / total))
                    .collect(Collectors.joining(", "));
        }
    }
}

package io.camflux.engine.testing;

/** Polls a condition until it holds, failing with what was awaited when it does not in time. */
public final class Await {
    private Await() {
    }

    @FunctionalInterface
    public interface Check {
        boolean ok() throws Exception;
    }

    public static void until(Check condition, int seconds, String what) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.ok()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + seconds + " s: " + what);
            }
            Thread.sleep(20);
        }
    }
}

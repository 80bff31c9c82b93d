package io.camflux.engine.testing;

/** Closing what a test started, in order, skipping what never started. */
public final class Resources {
    private Resources() {
    }

    public static void closeAll(AutoCloseable... resources) throws Exception {
        for (AutoCloseable r : resources) {
            if (r != null) {
                r.close();
            }
        }
    }
}

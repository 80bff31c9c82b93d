package io.camflux.engine.testing;

import java.io.IOException;
import java.net.ServerSocket;

/** Free loopback ports for the servers and worker processes a test starts. */
public final class Ports {
    private Ports() {
    }

    /** A port nothing listens on now (the OS's choice; a race with another process is possible but rare). */
    public static int free() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

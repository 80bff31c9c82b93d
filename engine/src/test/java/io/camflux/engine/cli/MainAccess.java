package io.camflux.engine.cli;

import java.io.PrintStream;
import java.nio.file.Path;

/** Lets tests in other packages run the CLI in-process. */
public final class MainAccess {
    private MainAccess() {
    }

    public static int run(Path config, PrintStream out, PrintStream err) {
        return Main.run(new String[] {"--config", config.toString()}, out, err, false);
    }
}

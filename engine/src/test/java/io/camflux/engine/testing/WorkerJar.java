package io.camflux.engine.testing;

import io.camflux.model.TestAssets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The runnable jar the integration tests start worker processes from (packaged before they run). */
public final class WorkerJar {
    public static final Path JAR = TestAssets.root().resolve("engine/target/camflux.jar");

    private WorkerJar() {
    }

    /**
     * {@code java [jvmOptions] -jar camflux.jar --config CONFIG [args]} with this JVM's own java; the caller adds
     * redirects and environment.
     */
    /** Ends worker processes at once (stopped ones too: SIGCONT first, since a stopped process keeps its ports). */
    public static void killAll(List<Process> processes) throws Exception {
        for (Process p : processes) {
            new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor();
            p.destroyForcibly();
            p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    public static ProcessBuilder command(List<String> jvmOptions, Path config, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString(), "--config", config.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }
}

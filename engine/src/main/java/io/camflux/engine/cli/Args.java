package io.camflux.engine.cli;

import java.nio.file.Path;
import java.time.Duration;

/** Command-line arguments. */
record Args(Path config, Duration duration, boolean help) {

    static final String USAGE = """
            Usage: java -jar camflux.jar --config FILE [--duration DURATION]
                   java -jar camflux.jar shards [--etcd URLS] [--prefix P] put ID FILE | rm ID | ls | move ID

              --config FILE        the shard config (JSON); see configs/demo.json
              --duration DURATION  stop intake after this long and exit when in-flight work is done
                                   (e.g. 30s, 5m, 1h, PT90S); default: run until the sources end or SIGTERM
              --help               this text

            Exit codes: 0 normal end or drain, 2 bad arguments or config, 1 other fatal errors,
                        3 the run ended as asked but events were lost (events_lost_total).
            Environment: CAMFLUX_MODEL_DIR, a folder holding the model files (yolox_nano.onnx).""";

    static Args parse(String[] argv) {
        Path config = null;
        Duration duration = null;
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "--help", "-h" -> {
                    return new Args(null, null, true);
                }
                case "--config", "-c" -> config = Path.of(value(argv, ++i, "--config"));
                case "--duration", "-d" -> duration = DurationArgument.parse(value(argv, ++i, "--duration"));
                default -> throw new IllegalArgumentException("unknown argument '" + argv[i] + "'");
            }
        }
        if (config == null) {
            throw new IllegalArgumentException("--config FILE is required");
        }
        return new Args(config, duration, false);
    }

    private static String value(String[] argv, int i, String flag) {
        if (i >= argv.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return argv[i];
    }
}

package io.camflux.engine.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Command-line arguments. */
record Args(Path config, Duration duration, boolean help) {

    static final String USAGE = """
            Usage: java -jar camflux.jar --config FILE [--duration DURATION]

              --config FILE        the shard config (JSON); see configs/demo.json
              --duration DURATION  stop intake after this long and exit when in-flight work is done
                                   (e.g. 30s, 5m, 1h, PT90S); default: run until the sources end or SIGTERM
              --help               this text

            Exit codes: 0 normal end or drain, 2 bad arguments or config, 1 other fatal errors.
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
                case "--duration", "-d" -> duration = duration(value(argv, ++i, "--duration"));
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

    static Duration duration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("pt")) {
                return positive(Duration.parse(t.toUpperCase(Locale.ROOT)), text);
            }
            if (t.endsWith("ms")) {
                return positive(Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2))), text);
            }
            char unit = t.charAt(t.length() - 1);
            String number = Character.isDigit(unit) ? t : t.substring(0, t.length() - 1);
            double value = Double.parseDouble(number);
            double seconds = switch (unit) {
                case 'h' -> value * 3600;
                case 'm' -> value * 60;
                default -> value;
            };
            if (!Character.isDigit(unit) && unit != 's' && unit != 'm' && unit != 'h') {
                throw new NumberFormatException();
            }
            return positive(Duration.ofMillis(Math.round(seconds * 1000)), text);
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("--duration: cannot read '" + text + "' (e.g. 30s, 5m, 1h, PT90S)");
        }
    }

    private static Duration positive(Duration d, String text) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("--duration must be > 0, got '" + text + "'");
        }
        return d;
    }
}

package io.camflux.engine.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * A duration as people type it on a command line: {@code 30s}, {@code 5m}, {@code 1h}, {@code 1500ms},
 * {@code PT90S}, or plain seconds. The CLI's and the bench's {@code --duration}.
 */
public final class DurationArgument {
    private DurationArgument() {
    }

    /** The positive duration {@code text} names; an IllegalArgumentException saying what was expected otherwise. */
    public static Duration parse(String text) {
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

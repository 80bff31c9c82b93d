package io.camflux.engine.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * A duration as people type it on a command line: {@code 30s}, {@code 5m}, {@code 1h}, {@code 1500ms},
 * {@code PT90S}, or plain seconds; more than 0 and at most {@link #MAX}. The CLI's and the bench's {@code --duration}.
 */
public final class DurationArgument {
    /** The longest run a duration may ask for (timers count nanoseconds: 292 years would overflow them). */
    static final Duration MAX = Duration.ofDays(366);

    private DurationArgument() {
    }

    /** The duration {@code text} names; an IllegalArgumentException saying what was expected otherwise. */
    public static Duration parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("pt")) {
                return checked(Duration.parse(t.toUpperCase(Locale.ROOT)), text);
            }
            double unitSeconds;
            String number;
            if (t.endsWith("ms")) {
                unitSeconds = 0.001;
                number = t.substring(0, t.length() - 2);
            } else {
                char unit = t.charAt(t.length() - 1);
                unitSeconds = switch (unit) {
                    case 'h' -> 3600;
                    case 'm' -> 60;
                    case 's' -> 1;
                    default -> {
                        if (!Character.isDigit(unit)) {
                            throw new NumberFormatException();
                        }
                        yield 1;
                    }
                };
                number = Character.isDigit(unit) ? t : t.substring(0, t.length() - 1);
            }
            double seconds = Double.parseDouble(number) * unitSeconds;
            if (Double.isNaN(seconds) || number.contains("infinity")) {
                throw new NumberFormatException();
            }
            if (seconds > MAX.toSeconds()) {
                throw tooLong(text);
            }
            return checked(Duration.ofMillis(Math.round(seconds * 1000)), text);
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("--duration: cannot read '" + text + "' (e.g. 30s, 5m, 1h, PT90S)");
        }
    }

    private static Duration checked(Duration d, String text) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("--duration must be > 0, got '" + text + "'");
        }
        if (d.compareTo(MAX) > 0) {
            throw tooLong(text);
        }
        return d;
    }

    private static IllegalArgumentException tooLong(String text) {
        return new IllegalArgumentException("--duration must be at most " + MAX.toDays() + " days (leave it out to run"
                + " until stopped), got '" + text + "'");
    }
}

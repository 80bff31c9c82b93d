package io.camflux.model;

import java.util.Locale;

/** A config word naming one of an enum's constants, in any case; anything else is refused with what it may be. */
public final class EnumValue {
    private EnumValue() {
    }

    /**
     * @param expected the accepted words as the message lists them, e.g. {@code "auto, cpu or nvdec"}
     * @throws IllegalArgumentException "must be {expected}, got '{value}'"
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String value, String expected) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be " + expected + ", got '" + value + "'");
        }
    }
}

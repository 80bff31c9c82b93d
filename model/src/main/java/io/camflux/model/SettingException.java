package io.camflux.model;

/**
 * A detector setting that cannot apply to this model (an unknown class name): a mistake in the config, found only
 * once the model's labels are known. The message names the key.
 */
public final class SettingException extends IllegalArgumentException {
    public SettingException(String message) {
        super(message);
    }
}

package io.camflux.model;

import java.util.Locale;

/** Where ONNX Runtime runs the model. AUTO takes CUDA when this build and host have it, else CPU. */
public enum ExecutionProvider {
    CPU, CUDA, AUTO;

    public static ExecutionProvider parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown execution provider '" + value + "' (expected cpu, cuda or auto)");
        }
    }
}

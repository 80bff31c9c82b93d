package io.camflux.engine.config;

import java.util.Locale;

/** Where a camera's video is decoded. NVDEC falls back to the CPU with a warning; AUTO falls back quietly. */
public enum VideoDecoder {
    CPU, NVDEC, AUTO;

    public static VideoDecoder parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be auto, cpu or nvdec, got '" + value + "'");
        }
    }

    public boolean wantsGpu() {
        return this != CPU;
    }
}

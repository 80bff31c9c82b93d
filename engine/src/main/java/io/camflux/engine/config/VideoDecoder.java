package io.camflux.engine.config;

import io.camflux.model.EnumValue;

/** Where a camera's video is decoded. NVDEC falls back to the CPU with a warning; AUTO falls back quietly. */
public enum VideoDecoder {
    CPU, NVDEC, AUTO;

    public static VideoDecoder parse(String value) {
        return EnumValue.parse(VideoDecoder.class, value, "auto, cpu or nvdec");
    }

    public boolean wantsGpu() {
        return this != CPU;
    }
}

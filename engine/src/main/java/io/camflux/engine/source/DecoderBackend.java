package io.camflux.engine.source;

import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.config.VideoDecoder;

/**
 * Opens a camera with the decoder its config asks for. {@code cpu}: JavaCV's grabber, one FFmpeg thread.
 * {@code nvdec}/{@code auto}: FFmpeg's decoder with the NVDEC hwaccel on the process's one CUDA device
 * ({@link NvdecDevice}) while NVDEC has room for the stream's pixel rate, else the same decoder on the CPU. With no
 * CUDA device, the process warns once and decodes on the CPU; {@code auto} does not even try on a host without
 * the NVIDIA driver.
 */
public final class StreamReaders {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StreamReaders.class);

    private StreamReaders() {
    }

    /**
     * Creates the NVDEC device now if any of these sources may decode on it. The engine calls this before it opens
     * the model: should NVDEC use the GPU's primary context ({@link NvdecDevice#PRIMARY_PROPERTY}), FFmpeg can only
     * share it if it sets its flags first (blocking synchronisation); its own contexts are made now, before the
     * model takes GPU memory, so a start-up failure shows at once.
     */
    public static void prepare(java.util.List<SourceConfig> sources) {
        if (sources.stream().anyMatch(StreamReaders::mayUseNvdec)) {
            NvdecDevice.available();
        }
    }

    private static boolean mayUseNvdec(SourceConfig source) {
        return source.decoder() == VideoDecoder.NVDEC
                || (source.decoder() == VideoDecoder.AUTO && NvdecDevice.driverPresent());
    }

    /**
     * FFmpeg's options for opening a source, the same for both readers: for a network camera its RTSP transport,
     * the connect and read timeout (microseconds) and no input buffering; none for a file.
     */
    static java.util.Map<String, String> demuxOptions(SourceConfig source) {
        if (!source.isNetwork()) {
            return java.util.Map.of();
        }
        java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
        options.put("rtsp_transport", source.rtspTransport());
        options.put("timeout", Long.toString(source.timeout().toNanos() / 1000));
        options.put("fflags", "nobuffer");
        return options;
    }

    /** Blocking: connects within the source's timeout. Frames at the stream's own size. */
    public static StreamReader open(SourceConfig source) throws Exception {
        return open(source, AnalysisSize.SOURCE);
    }

    /** Readers that keep frames at no more than {@code size}. */
    public static StreamReader.Opener opener(AnalysisSize size) {
        return source -> open(source, size);
    }

    /** Blocking: connects within the source's timeout. Kept frames at no more than {@code size}. */
    public static StreamReader open(SourceConfig source, AnalysisSize size) throws Exception {
        if (!mayUseNvdec(source)) {
            return FfmpegStreamReader.open(source, size);
        }
        if (!NvdecDevice.available()) {
            // auto on a host with the NVIDIA driver: NVDEC was expected, so its absence is worth one line too
            if (NvdecDevice.warnOnce()) {
                log.warn("decoder {}: {}; decoding on the CPU", source.decoder().name().toLowerCase(java.util.Locale.ROOT),
                        NvdecDevice.unavailable());
            }
            return FfmpegStreamReader.open(source, size);
        }
        NvdecDevice.Share[] share = {null};
        return NvdecStreamReader.open(source, size, shape -> {
            share[0] = NvdecDevice.reserve(shape.nvdecLoad());
            if (share[0] == null) {
                log.info("camera {}: NVDEC is at its {} frames/s; decoding {}x{} on the CPU", source.cameraUuid(),
                        NvdecDevice.budget(), shape.width(), shape.height());
                return null;
            }
            return share[0].device();
        }, () -> {
            if (share[0] != null) {
                NvdecDevice.release(share[0]);
            }
        });
    }
}

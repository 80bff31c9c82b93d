package io.camflux.engine.source;

import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.config.VideoDecoder;
import org.bytedeco.ffmpeg.avutil.AVBufferRef;

/**
 * Opens a camera with the decoder its config asks for. {@code cpu}: JavaCV's grabber, one FFmpeg thread.
 * {@code nvdec}/{@code auto}: FFmpeg's decoder with the NVDEC hwaccel on the process's one CUDA device
 * ({@link NvdecDevice}) while NVDEC has room for the stream's pixel rate, else the same decoder on the CPU. With no
 * CUDA device, {@code nvdec} warns once and decodes on the CPU; {@code auto} does not even try on a host without
 * the NVIDIA driver.
 */
public final class StreamReaders {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StreamReaders.class);

    private StreamReaders() {
    }

    /** Blocking: connects within the source's timeout. */
    public static StreamReader open(SourceConfig source) throws Exception {
        if (!source.decoder().wantsGpu() || (source.decoder() == VideoDecoder.AUTO && !NvdecDevice.driverPresent())) {
            return FfmpegStreamReader.open(source);
        }
        AVBufferRef device = NvdecDevice.device();
        if (device == null) {
            if (source.decoder() == VideoDecoder.NVDEC && NvdecDevice.warnOnce()) {
                log.warn("decoder nvdec: {}; decoding on the CPU", NvdecDevice.unavailable());
            }
            return FfmpegStreamReader.open(source);
        }
        double[] reserved = {-1};
        return NvdecStreamReader.open(source, shape -> {
            double mpx = shape.pixelRate() / 1e6;
            if (!NvdecDevice.tryReserve(mpx)) {
                log.info("camera {}: NVDEC is at its {} megapixels/s; decoding {}x{} on the CPU", source.cameraUuid(),
                        NvdecDevice.budgetMpx(), shape.width(), shape.height());
                return null;
            }
            reserved[0] = mpx;
            return device;
        }, () -> {
            if (reserved[0] >= 0) {
                NvdecDevice.release(reserved[0]);
            }
        });
    }
}

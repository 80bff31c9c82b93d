package io.camflux.engine.source;

import io.camflux.engine.config.DecodeConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.config.VideoDecoder;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVBufferRef;

/**
 * Opens cameras with the decoder each asks for, under the worker's {@code decode} settings. {@code cpu}: JavaCV's
 * grabber, one FFmpeg thread. {@code nvdec}/{@code auto}: FFmpeg's decoder on one of the engine's NVDEC contexts
 * ({@link NvdecDevice}) while NVDEC has room for the stream's frame rate, else the same decoder on the CPU. With no
 * CUDA device, it warns once and decodes on the CPU; {@code auto} does not even try on a host without the NVIDIA
 * driver. One per engine, which closes it after its cameras; it also sets OpenCV's pool
 * ({@code decode.opencv_threads}), which is the process's.
 */
public final class DecoderBackend implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DecoderBackend.class);

    private final NvdecDevice nvdec;
    private final NvdecDecoders nvdecDecoders;
    private final SharedKeyFrameDecoders sharedKeyFrames;
    private final boolean keyFramesOnlyAllowed;

    public DecoderBackend(DecodeConfig config) {
        this.keyFramesOnlyAllowed = config.keyFrames() == DecodeConfig.KeyFrames.AUTO;
        this.nvdec = new NvdecDevice(config.nvdec());
        this.nvdecDecoders = new NvdecDecoders(config.nvdec());
        this.sharedKeyFrames = new SharedKeyFrameDecoders(nvdecDecoders, this::sharedDecoderSlot,
                config.nvdec().sharedKeyFrameDecoders());
        OpenCvThreads.apply(config.opencvThreads());
    }

    /**
     * Creates the NVDEC contexts now if any of these sources may decode on them. The engine calls this before it
     * opens the model: should NVDEC use the GPU's primary context ({@code primary_context}), FFmpeg can only share
     * it if it sets its flags first (blocking synchronisation); its own contexts are made now, before the model takes
     * GPU memory, so a start-up failure shows at once.
     */
    public void prepare(List<SourceConfig> sources) {
        if (sources.stream().anyMatch(DecoderBackend::mayUseNvdec)) {
            nvdec.available();
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
    static Map<String, String> demuxOptions(SourceConfig source) {
        if (!source.isNetwork()) {
            return Map.of();
        }
        Map<String, String> options = new java.util.LinkedHashMap<>();
        options.put("rtsp_transport", source.rtspTransport());
        options.put("timeout", Long.toString(source.timeout().toNanos() / 1000));
        options.put("fflags", "nobuffer");
        return options;
    }

    /** Readers that keep frames at no more than {@code size}. */
    public StreamReader.Opener opener(AnalysisSize size) {
        return source -> open(source, size);
    }

    /** Blocking: connects within the source's timeout. Kept frames at no more than {@code size}. */
    public StreamReader open(SourceConfig source, AnalysisSize size) throws Exception {
        if (!mayUseNvdec(source)) {
            return FfmpegStreamReader.open(source, size).allowKeyFramesOnly(keyFramesOnlyAllowed);
        }
        if (!nvdec.available()) {
            // auto on a host with the NVIDIA driver: NVDEC was expected, so its absence is worth one line too
            if (nvdec.warnOnce()) {
                log.warn("decoder {}: {}; decoding on the CPU", source.decoder().name().toLowerCase(Locale.ROOT),
                        nvdec.unavailable());
            }
            return FfmpegStreamReader.open(source, size).allowKeyFramesOnly(keyFramesOnlyAllowed);
        }
        NvdecClaim claim = new NvdecClaim(source.cameraUuid());
        NvdecStreamReader reader = NvdecStreamReader.open(source, size, nvdecDecoders, claim, claim::release);
        return reader.allowKeyFramesOnly(keyFramesOnlyAllowed);
    }

    /** A place on NVDEC for one shared key-frame decoder: a stream against NVDEC's ceiling, none of its frame rate. */
    private SharedKeyFrameDecoders.Slot sharedDecoderSlot() {
        NvdecDevice.Share slot = nvdec.reserve(0);
        if (slot == null) {
            return null;
        }
        return new SharedKeyFrameDecoders.Slot(slot.device(), () -> nvdec.release(slot),
                why -> nvdec.refused(slot, "(a shared key-frame decoder)", why));
    }

    /**
     * A camera's share of NVDEC, asked for at its stream's rate when it opens and again at the rate it decodes when that
     * changes (key frames only: a twenty-fifth), so that NVDEC's budget counts frames decoded, not frames sent.
     */
    private final class NvdecClaim implements NvdecStreamReader.DeviceChoice {
        private final String camera;
        private NvdecDevice.Share share;
        /** The rate held while the camera decodes on a shared key-frame decoder; 0 when it does not. */
        private double sharedLoad;

        NvdecClaim(String camera) {
            this.camera = camera;
        }

        @Override
        public AVBufferRef deviceFor(NvdecStreamReader.StreamShape shape) {
            releaseShared();
            share = nvdec.move(share, nvdec.load(shape));
            if (share == null) {
                log.info("camera {}: NVDEC is at its {} frames/s (decode.nvdec.frames_per_second); decoding {}x{} at {}"
                        + " frames/s on the CPU", camera, nvdec.budget(), shape.width(), shape.height(),
                        String.format(Locale.ROOT, "%.1f", shape.frameRate()));
                return null;
            }
            return share.device();
        }

        @Override
        public SharedKeyFrameDecoders.Member sharedFor(NvdecStreamReader.StreamShape shape, AVCodec codec,
                                                       AVStream stream, int[] resize) throws IOException {
            release();
            double load = nvdec.load(shape);
            if (!nvdec.available() || !nvdec.tryReserve(load)) {
                return null;
            }
            SharedKeyFrameDecoders.Member member = sharedKeyFrames.join(camera, codec, stream, resize);
            if (member == null) {
                nvdec.release(load);
                return null;
            }
            sharedLoad = load;
            return member;
        }

        private void releaseShared() {
            if (sharedLoad > 0) {
                nvdec.release(sharedLoad);
                sharedLoad = 0;
            }
        }

        @Override
        public AVBufferRef roomFor(NvdecStreamReader.StreamShape shape) {
            if (share != null || sharedLoad > 0) {
                return null; // it holds a share already: NVDEC refused the stream, nothing to move onto
            }
            share = nvdec.reserve(nvdec.load(shape));
            return share == null ? null : share.device();
        }

        @Override
        public void refused(String why) {
            if (share != null) {
                nvdec.refused(share, camera, why);
                share = null;
            }
        }

        void release() {
            releaseShared();
            if (share != null) {
                nvdec.release(share);
                share = null;
            }
        }
    }

    /** NVDEC load reserved now, in 1080p frames per second. */
    public double nvdecReserved() {
        return nvdec.reserved();
    }

    /** The NVDEC contexts, for tests in this package. */
    NvdecDevice nvdecDevice() {
        return nvdec;
    }

    /** Frees the NVDEC contexts; the engine calls it once its cameras have closed their readers. */
    @Override
    public void close() {
        sharedKeyFrames.close();
        nvdec.close();
    }
}

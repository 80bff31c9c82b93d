package io.camflux.engine.source;

import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.config.VideoDecoder;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongPredicate;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegLogCallback;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

/** Reads a camera or file with FFmpeg (JavaCV), decoding to BGR. */
public final class FfmpegStreamReader implements StreamReader {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FfmpegStreamReader.class);
    static {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        FFmpegLogCallback.set();
    }

    private final FFmpegFrameGrabber grabber;
    private final OpenCVFrameConverter.ToMat toMat = new OpenCVFrameConverter.ToMat();

    private final String decoderName;
    private final AtomicBoolean holdsNvdecSession;

    private FfmpegStreamReader(FFmpegFrameGrabber grabber, String decoderName, boolean holdsNvdecSession) {
        this.grabber = grabber;
        this.decoderName = decoderName;
        this.holdsNvdecSession = new AtomicBoolean(holdsNvdecSession);
    }

    /** The FFmpeg decoder in use: {@code h264_cuvid} and the like on NVDEC, else the CPU decoder's name. */
    public String decoderName() {
        return decoderName;
    }

    /**
     * Connects; blocks up to the source's timeout on network sources. With {@code decoder: nvdec|auto} the stream
     * is probed on the CPU first and reopened with FFmpeg's CUVID decoder for its codec (NVDEC); when that
     * decoder cannot open, the CPU reader is kept (a warning for {@code nvdec}, once per process). {@code auto}
     * does not try at all on a host without the NVIDIA kernel driver, so CPU-only hosts open each stream once and
     * FFmpeg prints no CUVID error.
     */
    public static FfmpegStreamReader open(SourceConfig source) throws FFmpegFrameGrabber.Exception {
        FFmpegFrameGrabber cpu = start(configured(source, null));
        if (!source.decoder().wantsGpu()) {
            return new FfmpegStreamReader(cpu, cpu.getVideoCodecName(), false);
        }
        String cuvid = Nvdec.decoderFor(cpu.getVideoCodec());
        String unavailable = cuvid == null ? "no NVDEC decoder for codec " + cpu.getVideoCodecName() : Nvdec.unavailable();
        if (unavailable == null && source.decoder() == VideoDecoder.AUTO && !Nvdec.driverPresent()) {
            unavailable = "no NVIDIA driver on this host";
        }
        if (unavailable == null && !Nvdec.SESSIONS.tryAcquire()) {
            unavailable = "all " + Nvdec.MAX_SESSIONS + " NVDEC sessions of this process are in use ("
                    + Nvdec.MAX_SESSIONS_PROPERTY + ")";
        } else if (unavailable == null) {
            Nvdec.ATTEMPTS.incrementAndGet();
            try {
                FFmpegFrameGrabber gpu = start(configured(source, cuvid));
                closeQuietly(cpu);
                log.info("camera {}: decoding on NVDEC ({})", source.cameraUuid(), cuvid);
                return new FfmpegStreamReader(gpu, cuvid, true);
            } catch (FFmpegFrameGrabber.Exception | RuntimeException e) {
                Nvdec.SESSIONS.release();
                unavailable = Nvdec.failed(cuvid, e);
            }
        }
        if (source.decoder() == VideoDecoder.NVDEC && Nvdec.warnOnce()) {
            log.warn("decoder nvdec: {}; decoding on the CPU", unavailable);
        }
        return new FfmpegStreamReader(cpu, cpu.getVideoCodecName(), false);
    }

    private static FFmpegFrameGrabber configured(SourceConfig source, String videoDecoder) {
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(source.location());
        grabber.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
        if (videoDecoder != null) {
            grabber.setVideoCodecName(videoDecoder);
        } else {
            // one decoding thread per camera: the cameras are the parallelism, and frame threads would add latency
            grabber.setVideoOption("threads", "1");
        }
        if (source.isNetwork()) {
            String micros = Long.toString(source.timeout().toNanos() / 1000);
            grabber.setOption("rtsp_transport", source.rtspTransport());
            grabber.setOption("timeout", micros);
            grabber.setOption("fflags", "nobuffer");
        }
        return grabber;
    }

    private static FFmpegFrameGrabber start(FFmpegFrameGrabber grabber) throws FFmpegFrameGrabber.Exception {
        try {
            grabber.start();
            return grabber;
        } catch (FFmpegFrameGrabber.Exception | RuntimeException e) {
            try {
                grabber.release();
            } catch (FrameGrabber.Exception ignored) {
                // the open failure is what matters
            }
            throw e;
        }
    }

    private static void closeQuietly(FFmpegFrameGrabber grabber) {
        try {
            grabber.close();
        } catch (FrameGrabber.Exception e) {
            // nothing left to save; the connection is gone either way
        }
    }

    /** FFmpeg's CUVID decoders and whether this process has found them unusable. */
    static final class Nvdec {
        private static final AtomicReference<String> FAILURE = new AtomicReference<>();
        private static final AtomicBoolean WARNED = new AtomicBoolean();
        /** The kernel driver's version file: present on NVIDIA hosts and in their GPU containers. */
        private static final Path DRIVER = Path.of("/proc/driver/nvidia/version");
        /** CUVID opens tried by this process (for tests). */
        static final AtomicInteger ATTEMPTS = new AtomicInteger();
        static final String MAX_SESSIONS_PROPERTY = "camflux.nvdec.max_sessions";
        /**
         * Each CUVID decoder opens its own CUDA context (hundreds of MB of GPU memory: 128 of them ran an H100 out
         * of memory) and one process's NVDEC throughput peaks with a few dozen streams; cameras beyond this many
         * decode on the CPU.
         */
        static final int MAX_SESSIONS = Integer.getInteger(MAX_SESSIONS_PROPERTY, 32);
        static final java.util.concurrent.Semaphore SESSIONS = new java.util.concurrent.Semaphore(MAX_SESSIONS);

        private Nvdec() {
        }

        static String decoderFor(int codecId) {
            String name = switch (codecId) {
                case avcodec.AV_CODEC_ID_H264 -> "h264_cuvid";
                case avcodec.AV_CODEC_ID_HEVC -> "hevc_cuvid";
                case avcodec.AV_CODEC_ID_AV1 -> "av1_cuvid";
                case avcodec.AV_CODEC_ID_VP9 -> "vp9_cuvid";
                case avcodec.AV_CODEC_ID_MPEG2VIDEO -> "mpeg2_cuvid";
                case avcodec.AV_CODEC_ID_MPEG4 -> "mpeg4_cuvid";
                case avcodec.AV_CODEC_ID_MJPEG -> "mjpeg_cuvid";
                default -> null;
            };
            return name != null && avcodec.avcodec_find_decoder_by_name(name) != null ? name : null;
        }

        static boolean driverPresent() {
            return Files.isReadable(DRIVER);
        }

        /** Why NVDEC is not tried any more, or null. */
        static String unavailable() {
            return FAILURE.get();
        }

        static String failed(String decoder, Exception e) {
            String why = decoder + " did not open (" + e.getMessage() + "); no NVIDIA GPU or driver?";
            FAILURE.compareAndSet(null, why);
            return why;
        }

        static boolean warnOnce() {
            return !WARNED.getAndSet(true);
        }
    }

    @Override
    public DecodedImage next(LongPredicate wanted) throws FrameGrabber.Exception {
        if (LazyConversion.AVAILABLE) {
            Frame frame = grabber.grabFrame(false, true, false, false, false);
            if (frame == null) {
                return null;
            }
            if (!wanted.test(frame.timestamp)) {
                return new DecodedImage(null, frame.timestamp);
            }
            LazyConversion.convert(grabber, frame);
            return copy(frame);
        }
        Frame frame = grabber.grabImage();
        if (frame == null || frame.image == null) {
            return null;
        }
        return wanted.test(frame.timestamp) ? copy(frame) : new DecodedImage(null, frame.timestamp);
    }

    /** The grabber reuses its buffer for the next frame: the pipeline gets its own copy. */
    private DecodedImage copy(Frame frame) {
        Mat view = toMat.convert(frame);
        return new DecodedImage(view.clone(), frame.timestamp);
    }

    /**
     * Converting a decoded frame to BGR costs about half as much as decoding it, and most frames are sampled
     * out. JavaCV converts inside {@code grabFrame} or not at all, so this reaches its private
     * {@code processImage()} to convert only the frames the sampler keeps. If a JavaCV version lacks it,
     * every frame is converted, as before.
     */
    private static final class LazyConversion {
        static final boolean AVAILABLE;
        private static final MethodHandle PROCESS_IMAGE;
        private static final VarHandle IMAGE_BUF;

        static {
            MethodHandle process = null;
            VarHandle buffers = null;
            try {
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(FFmpegFrameGrabber.class,
                        MethodHandles.lookup());
                process = lookup.findVirtual(FFmpegFrameGrabber.class, "processImage", MethodType.methodType(void.class));
                buffers = lookup.findVarHandle(FFmpegFrameGrabber.class, "image_buf", java.nio.Buffer[].class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                log.warn("this JavaCV has no FFmpegFrameGrabber.processImage(); converting every frame ({})", e.toString());
            }
            PROCESS_IMAGE = process;
            IMAGE_BUF = buffers;
            AVAILABLE = process != null && buffers != null;
        }

        static void convert(FFmpegFrameGrabber grabber, Frame frame) throws FrameGrabber.Exception {
            try {
                PROCESS_IMAGE.invokeExact(grabber);
            } catch (FrameGrabber.Exception | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            frame.image = (java.nio.Buffer[]) IMAGE_BUF.get(grabber);
        }
    }

    @Override
    public void rewind() throws FrameGrabber.Exception {
        grabber.restart();
    }

    @Override
    public double frameRate() {
        return grabber.getFrameRate();
    }

    @Override
    public void close() {
        closeQuietly(grabber);
        toMat.close();
        if (holdsNvdecSession.getAndSet(false)) {
            Nvdec.SESSIONS.release();
        }
    }
}

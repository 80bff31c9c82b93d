package io.camflux.engine.source;

import io.camflux.engine.config.SourceConfig;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.function.LongPredicate;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

/** Reads a camera or file with FFmpeg (JavaCV), decoding to BGR. */
public final class FfmpegStreamReader implements StreamReader {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FfmpegStreamReader.class);
    static {
        FfmpegLog.install();
    }

    private final FFmpegFrameGrabber grabber;
    private final OpenCVFrameConverter.ToMat toMat = new OpenCVFrameConverter.ToMat();

    /** The stream's size at the open; a camera may change it mid-stream (each frame reports its own). */
    private final int sourceWidth;
    private final int sourceHeight;
    /** Kept frames are converted at a fixed, smaller size (set at the open). */
    private final boolean scaled;
    /**
     * Read once at the open: JavaCV's grabber answers from its stream, which its release frees without forgetting
     * (a rate asked after the close read freed memory: the decode bench died in native code, in AVRational.num).
     */
    private final double frameRate;
    private final KeyFrameClock keyFrames = new KeyFrameClock();
    /** The worker allows decoding only key frames ({@code decode.key_frames_only} auto). */
    private boolean keyFramesOnlyAllowed = true;

    private FfmpegStreamReader(FFmpegFrameGrabber grabber, AnalysisSize size) {
        this.grabber = grabber;
        this.frameRate = grabber.getFrameRate();
        this.sourceWidth = grabber.getImageWidth();
        this.sourceHeight = grabber.getImageHeight();
        int[] target = size.of(sourceWidth, sourceHeight);
        this.scaled = target[0] != sourceWidth || target[1] != sourceHeight;
        if (scaled) {
            // swscale converts and scales in one pass, for the kept frames only
            grabber.setImageWidth(target[0]);
            grabber.setImageHeight(target[1]);
        }
    }

    @Override
    public long declaredDurationMicros() {
        return grabber.getLengthInTime();
    }

    @Override
    public long keyFrameIntervalMicros() {
        return keyFrames.intervalMicros();
    }

    /** Through the decoder's {@code skip_frame}: FFmpeg then decodes no frame but key frames. */
    @Override
    public boolean keyFramesOnly(boolean on) {
        if (!keyFramesOnlyAllowed || !LazyConversion.AVAILABLE) {
            return false;
        }
        return LazyConversion.skipNonKeyFrames(grabber, on);
    }

    /** {@code decode.key_frames_only}: false ({@code never}) keeps every frame decoded. */
    FfmpegStreamReader allowKeyFramesOnly(boolean allowed) {
        this.keyFramesOnlyAllowed = allowed;
        return this;
    }

    /** The FFmpeg decoder in use (the CPU decoder's name). */
    @Override
    public String decoderName() {
        if (codecName == null) {
            codecName = grabber.getVideoCodecName(); // the same for the whole connection; asked after every frame
        }
        return codecName;
    }

    private String codecName;

    /** Connects and decodes on the CPU; blocks up to the source's timeout on network sources. */
    public static FfmpegStreamReader open(SourceConfig source) throws FFmpegFrameGrabber.Exception {
        return open(source, AnalysisSize.SOURCE);
    }

    /** As above, converting kept frames at no more than {@code size}. */
    public static FfmpegStreamReader open(SourceConfig source, AnalysisSize size) throws FFmpegFrameGrabber.Exception {
        long started = System.nanoTime();
        try {
            return new FfmpegStreamReader(start(configured(source), source), size);
        } catch (FFmpegFrameGrabber.Exception e) {
            StreamError timeout = silentAsTimeout(source, e, System.nanoTime() - started);
            if (timeout != null) {
                throw timeout;
            }
            throw e;
        }
    }

    /**
     * A server that accepts the connection and never answers makes FFmpeg's RTSP open fail once its reads time out:
     * mostly as "invalid data" (the reply read ends), sometimes as ETIMEDOUT (which read gave up first depends on
     * timing). Either way, past the source's timeout, that is a connect timeout named with the setting that bounds it.
     */
    static StreamError silentAsTimeout(SourceConfig source, Exception failure, long elapsedNanos) {
        String code = StreamError.classify(failure).code();
        boolean timedOut = StreamError.CONNECT_TIMEOUT.equals(code)
                || StreamError.STREAM_ERROR.equals(code) && elapsedNanos >= source.timeout().toNanos();
        if (source.isNetwork() && timedOut) {
            return new StreamError(StreamError.CONNECT_TIMEOUT, "no answer from " + SourceConfig.redact(source.url())
                    + " within timeout_ms (" + source.timeout().toMillis() + " ms; gave up after "
                    + elapsedNanos / 1_000_000 + " ms)", failure);
        }
        return null;
    }

    private static FFmpegFrameGrabber configured(SourceConfig source) {
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(source.location());
        grabber.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
        // one decoding thread per camera: the cameras are the parallelism, and frame threads would add latency
        grabber.setVideoOption("threads", "1");
        DecoderBackend.demuxOptions(source).forEach(grabber::setOption);
        return grabber;
    }

    private static FFmpegFrameGrabber start(FFmpegFrameGrabber grabber, SourceConfig source)
            throws FFmpegFrameGrabber.Exception {
        boolean network = source.isNetwork();
        try {
            // not start(): JavaCV holds one lock for every grabber of the process over the whole open (network I/O
            // and probing included), so cameras connected one at a time and a camera that hangs held up all others;
            // FFmpeg's own open is thread-safe since 4.0
            grabber.startUnsafe();
            if (grabber.getVideoStream() < 0) {
                // an audio-only source opens and then "ends": say what it is instead
                throw new StreamError(StreamError.NO_VIDEO, "no video stream in " + described(grabber)
                        + " (audio or data only)", null);
            }
            if (grabber.getImageWidth() <= 0) {
                // the stream is declared (an RTSP server's SDP says H.264) but no packet came to size it: a server
                // that answers PLAY and sends nothing, until FFmpeg's reads time out
                throw new StreamError(network ? StreamError.CONNECT_TIMEOUT : StreamError.NO_VIDEO, described(grabber)
                        + " declares " + grabber.getVideoCodecName() + " video but sent no picture"
                        + (network ? " within timeout_ms (" + source.timeout().toMillis() + " ms)" : ""), null);
            }
            return grabber;
        } catch (FFmpegFrameGrabber.Exception | RuntimeException e) {
            try {
                grabber.releaseUnsafe();
            } catch (FrameGrabber.Exception ignored) {
                // the open failure is what matters
            }
            throw e;
        }
    }

    /** "rtsp source rtsp://host/path" with credentials masked, for a failure's message. */
    private static String described(FFmpegFrameGrabber grabber) {
        return grabber.getFormat() + " source "
                + SourceConfig.redact(grabber.getFormatContext() == null ? "" : urlOf(grabber));
    }

    private static String urlOf(FFmpegFrameGrabber grabber) {
        org.bytedeco.javacpp.BytePointer url = grabber.getFormatContext().url();
        return url == null || url.isNull() ? "" : url.getString();
    }

    private static void closeQuietly(FFmpegFrameGrabber grabber) {
        try {
            grabber.releaseUnsafe(); // not close(): the same process-wide lock as start()
        } catch (FrameGrabber.Exception e) {
            // nothing left to save; the connection is gone either way
        }
    }

    @Override
    public DecodedImage next(LongPredicate wanted) throws FrameGrabber.Exception {
        return next(wanted, PictureFilter.KEEP_ALL);
    }

    /** With JavaCV's lazy conversion, {@code filter} sees the decoded luma plane and a frame it drops is never converted. */
    @Override
    public DecodedImage next(LongPredicate wanted, PictureFilter filter) throws FrameGrabber.Exception {
        if (LazyConversion.AVAILABLE) {
            Frame frame = grabber.grabFrame(false, true, false, false, false);
            if (frame == null) {
                return null;
            }
            AVFrame decoded = LazyConversion.decoded(grabber);
            keyFrames.decoded(frame.timestamp, (decoded.flags() & AVFrame.AV_FRAME_FLAG_KEY) != 0);
            if (!wanted.test(frame.timestamp)) {
                return new DecodedImage(null, frame.timestamp);
            }
            // the picture's own size: a camera whose settings change switches resolution mid-stream
            int width = decoded.width() > 0 ? decoded.width() : sourceWidth;
            int height = decoded.height() > 0 ? decoded.height() : sourceHeight;
            PictureFilter rest = LumaPlane.judge(decoded, filter, frame.timestamp, width, height);
            if (rest == null) {
                return DecodedImage.notKept(frame.timestamp, width, height);
            }
            if (!LazyConversion.convertible(grabber, decoded)) {
                return DecodedImage.unconvertible(frame.timestamp, width, height);
            }
            LazyConversion.convert(grabber, frame);
            return copy(frame, width, height).filtered(rest);
        }
        Frame frame = grabber.grabImage();
        if (frame == null || frame.image == null) {
            return null;
        }
        keyFrames.decoded(frame.timestamp, frame.keyFrame);
        // without the decoded picture at hand, an unscaled frame's own size is the stream's
        int width = scaled ? sourceWidth : frame.imageWidth;
        int height = scaled ? sourceHeight : frame.imageHeight;
        return wanted.test(frame.timestamp) ? copy(frame, width, height).filtered(filter)
                : new DecodedImage(null, frame.timestamp);
    }

    /** The grabber reuses its buffer for the next frame: the pipeline gets its own copy. */
    private DecodedImage copy(Frame frame, int sourceWidth, int sourceHeight) {
        if (frame.imageDepth == Frame.DEPTH_UBYTE && frame.imageStride >= 3 * frame.imageWidth
                && frame.image[0] instanceof java.nio.ByteBuffer buffer) {
            // the picture is BGR24 (configured above). JavaCV derives its channel count from the line size, so a
            // padded line (16x16: 48 bytes of pixels in a 192-byte line) becomes "12 channels, 16 wide" and no
            // image; a view with 3 channels, the real width and the line as its step is right at any size
            try (org.bytedeco.javacpp.BytePointer data = new org.bytedeco.javacpp.BytePointer(buffer);
                 Mat view = new Mat(frame.imageHeight, frame.imageWidth, org.bytedeco.opencv.global.opencv_core.CV_8UC3,
                         data, frame.imageStride)) {
                return new DecodedImage(view.clone(), frame.timestamp, sourceWidth, sourceHeight);
            }
        }
        Mat view = toMat.convert(frame);
        return new DecodedImage(view.clone(), frame.timestamp, sourceWidth, sourceHeight);
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
        private static final VarHandle PICTURE;
        private static final VarHandle VIDEO_C;

        static {
            MethodHandle process = null;
            VarHandle buffers = null;
            VarHandle picture = null;
            VarHandle codec = null;
            try {
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(FFmpegFrameGrabber.class,
                        MethodHandles.lookup());
                process = lookup.findVirtual(FFmpegFrameGrabber.class, "processImage", MethodType.methodType(void.class));
                buffers = lookup.findVarHandle(FFmpegFrameGrabber.class, "image_buf", java.nio.Buffer[].class);
                picture = lookup.findVarHandle(FFmpegFrameGrabber.class, "picture", AVFrame.class);
                codec = lookup.findVarHandle(FFmpegFrameGrabber.class, "video_c",
                        org.bytedeco.ffmpeg.avcodec.AVCodecContext.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                log.warn("this JavaCV has no FFmpegFrameGrabber.processImage(); converting every frame ({})", e.toString());
            }
            PROCESS_IMAGE = process;
            IMAGE_BUF = buffers;
            PICTURE = picture;
            VIDEO_C = codec;
            AVAILABLE = process != null && buffers != null && picture != null && codec != null;
        }

        /**
         * Whether JavaCV can convert this picture: it converts at its decoder's current size, which a resolution
         * change updates before the last picture of the old size comes out (converted, that one would be read at
         * the wrong size).
         */
        static boolean convertible(FFmpegFrameGrabber grabber, AVFrame picture) {
            org.bytedeco.ffmpeg.avcodec.AVCodecContext c = (org.bytedeco.ffmpeg.avcodec.AVCodecContext) VIDEO_C.get(grabber);
            return c != null && c.width() == picture.width() && c.height() == picture.height();
        }

        /** Sets the decoder's {@code skip_frame}: key frames only, or FFmpeg's default; false without a decoder. */
        static boolean skipNonKeyFrames(FFmpegFrameGrabber grabber, boolean on) {
            org.bytedeco.ffmpeg.avcodec.AVCodecContext c = (org.bytedeco.ffmpeg.avcodec.AVCodecContext) VIDEO_C.get(grabber);
            if (c == null) {
                return false;
            }
            c.skip_frame(on ? org.bytedeco.ffmpeg.global.avcodec.AVDISCARD_NONKEY
                    : org.bytedeco.ffmpeg.global.avcodec.AVDISCARD_DEFAULT);
            return true;
        }

        /** The frame just decoded, before conversion: valid until the next grab. */
        static AVFrame decoded(FFmpegFrameGrabber grabber) {
            return (AVFrame) PICTURE.get(grabber);
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
        grabber.releaseUnsafe(); // restart() would take the process-wide lock twice (see start)
        grabber.startUnsafe();
    }

    @Override
    public double frameRate() {
        return frameRate;
    }

    @Override
    public void close() {
        closeQuietly(grabber);
        toMat.close();
    }
}

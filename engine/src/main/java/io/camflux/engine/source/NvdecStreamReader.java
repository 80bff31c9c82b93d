package io.camflux.engine.source;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_flush_buffers;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.AVSEEK_FLAG_BACKWARD;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_guess_frame_rate;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_seek_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_INVALIDDATA;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_CUDA;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_NV12;
import static org.bytedeco.ffmpeg.global.avutil.av_buffer_ref;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_hwframe_transfer_data;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC2;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_YUV2BGR_NV12;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColorTwoPlane;

import io.camflux.engine.config.SourceConfig;
import java.io.IOException;
import java.util.function.LongPredicate;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVBufferRef;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Decodes with FFmpeg's own decoder for the codec and, given a CUDA device, its NVDEC hwaccel: every camera of the
 * process on that one device context (see {@link CudaDevice}). Decoded pictures stay in GPU memory; only a frame
 * the sampler keeps is copied to the host (NV12) and converted to BGR there. Without a device, or for a stream
 * NVDEC cannot take (the hwaccel refuses its profile), the same decoder runs on the CPU, one thread.
 * Everything native here is owned by this reader and freed by {@link #close()}, on the camera's thread.
 */
public final class NvdecStreamReader implements StreamReader {
    static {
        FfmpegLog.install();
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NvdecStreamReader.class);
    private static final int AVERROR_EAGAIN = -11;
    private static final AVRational MICROS = new AVRational().num(1).den(1_000_000);
    /**
     * How NVDEC is driven: {@code cuvid} (the default: FFmpeg's CUVID decoder on the shared device; NVIDIA's parser
     * queues frames ahead, so a session is not bound by one frame's round trip) or {@code hwaccel} (FFmpeg's own
     * decoder for the codec with the NVDEC hwaccel: one frame in flight per session). On an H200 beside 32 CPU
     * cameras, 80 CUVID sessions kept 25 fps each where 57 hwaccel sessions fell to 20-24
     * (bench/results/gpu-cuvid-2026-12-01-h200.md). A stream CUVID does not open falls back to the hwaccel.
     */
    public static final String QUEUE_PROPERTY = "camflux.nvdec.decoder";
    /**
     * Whether the CUVID decoder scales pictures to the analysis size in NVDEC's own post-processing (its {@code resize}
     * option), so that every picture it outputs, and every kept frame that crosses to the host, is already at the
     * size the detector reads instead of the camera's (default true). The CPU then copies 146 KB per kept 1080p
     * frame instead of 3.1 MB and converts it without scaling. Off: pictures come out whole and swscale scales them.
     */
    public static final String RESIZE_PROPERTY = "camflux.nvdec.resize";

    private final String cameraUuid;
    private final AVFormatContext format;
    private final AVCodecContext decoder;
    private final AVPacket packet = av_packet_alloc();
    private final AVFrame decoded = av_frame_alloc();
    /** Host copy of a kept GPU frame; its buffers are reused while the size stays. */
    private final AVFrame download = av_frame_alloc();
    private final int streamIndex;
    private final AVRational timeBase;
    private final long startPts;
    private final double frameRate;
    private final String decoderName;
    private final boolean onGpu;
    private final Runnable onClose;
    private final AnalysisSize size;
    /** The stream's picture size as its parameters give it (0 x 0 when unknown before decoding). */
    private final StreamShape shape;
    /** The decoder outputs pictures at the analysis size ({@link #RESIZE_PROPERTY}); each stands for {@link #shape}. */
    private final boolean resized;
    private SwsContext sws;
    private CudaScaler scaler;
    /** Scalers this reader built: one, unless the stream changes size. */
    private boolean scalerFailed;
    private boolean draining;
    /** {@link #packet} was refused for now (EAGAIN) and is sent again before the next one is read. */
    private boolean pending;
    private boolean warnedSoftware;
    private long lastPts = Long.MIN_VALUE;

    private NvdecStreamReader(String cameraUuid, AVFormatContext format, AVCodecContext decoder, int streamIndex,
                              AVStream stream, double frameRate, String decoderName, boolean onGpu,
                              AnalysisSize size, StreamShape shape, boolean resized, Runnable onClose) {
        this.size = size;
        this.shape = shape;
        this.resized = resized;
        this.cameraUuid = cameraUuid;
        this.format = format;
        this.decoder = decoder;
        this.streamIndex = streamIndex;
        this.timeBase = new AVRational().num(stream.time_base().num()).den(stream.time_base().den());
        this.startPts = stream.start_time() == AV_NOPTS_VALUE ? 0 : stream.start_time();
        this.frameRate = frameRate;
        this.decoderName = decoderName;
        this.onGpu = onGpu;
        this.onClose = onClose;
    }

    /** What the decoder of a stream would need, known once the stream is probed. */
    public record StreamShape(int width, int height, double frameRate) {
        /**
         * NVDEC load in 1080p frames per second: a frame counts by its pixels against 1080p's, but never less than
         * {@link #SMALLEST_FRAME} (each frame costs its session CPU time and a round trip whatever its size). On an H200
         * with cameras that do not loop, NVDEC was 59 % busy with 120 cameras of 1080p25 and 46 % with 200 of 720p25
         * (0.44 of the pixels): both sustained, and both 3,000 by this count (bench/results/gpu-live-2026-12-01-h200.md).
         */
        public double nvdecLoad() {
            double fps = frameRate > 0 && frameRate <= 120 ? frameRate : 25;
            return fps * Math.max(SMALLEST_FRAME, (double) width * height / (1920.0 * 1080.0));
        }

        /** What a frame of 720p or smaller counts, in 1080p frames. */
        public static final double SMALLEST_FRAME = 0.6;
    }

    /** Decides, once the stream's shape is known, whether this stream gets the GPU; may reserve capacity. */
    @FunctionalInterface
    public interface DeviceChoice {
        /** The device to decode on (the caller's reference, not consumed), or null for the CPU. */
        AVBufferRef deviceFor(StreamShape shape);
    }

    /**
     * Connects (blocking up to the source's timeout on network sources), probes the stream and opens its decoder
     * on the device {@code choice} gives, or on the CPU when it gives none. {@code onClose} runs once when the
     * reader closes (or if the open fails after the choice): the place to return reserved capacity.
     */
    public static NvdecStreamReader open(SourceConfig source, DeviceChoice choice, Runnable onClose)
            throws IOException {
        return open(source, AnalysisSize.SOURCE, choice, onClose);
    }

    /** As above, keeping frames at no more than {@code size} (scaled on the GPU when they are there). */
    public static NvdecStreamReader open(SourceConfig source, AnalysisSize size, DeviceChoice choice,
                                         Runnable onClose) throws IOException {
        AVFormatContext format = new AVFormatContext(null);
        AVDictionary options = new AVDictionary(null);
        StreamReaders.demuxOptions(source).forEach((key, value) -> av_dict_set(options, key, value, 0));
        int r = avformat_open_input(format, source.location(), (AVInputFormat) null, options);
        av_dict_free(options);
        if (r < 0) {
            throw failure("cannot open " + source.redactedUrl(), r);
        }
        AVCodecContext decoder = null;
        boolean chosen = false;
        try {
            check(avformat_find_stream_info(format, (PointerPointer<?>) null), "cannot read stream info");
            int index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, (AVCodec) null, 0);
            check(index, "no video stream in " + source.redactedUrl());
            AVStream stream = format.streams(index);
            AVCodec codec = avcodec_find_decoder(stream.codecpar().codec_id());
            if (codec == null || codec.isNull()) {
                throw new IOException("no decoder for codec id " + stream.codecpar().codec_id());
            }
            AVRational guessed = av_guess_frame_rate(format, stream, null);
            double fps = guessed.den() > 0 && guessed.num() > 0 ? (double) guessed.num() / guessed.den() : 0;
            StreamShape shape = new StreamShape(stream.codecpar().width(), stream.codecpar().height(), fps);
            AVBufferRef device = choice.deviceFor(shape);
            chosen = true;
            AVCodec pipelined = device != null && queuedDecoder() ? avcodec_find_decoder_by_name(
                    codec.name().getString() + "_cuvid") : null;
            int[] resizedTo = null;
            if (pipelined != null && !pipelined.isNull()) {
                int[] target = SCALE_REFUSALS.scales(source.cameraUuid(), shape.width(), shape.height())
                        ? resizeTarget(shape, size) : null;
                decoder = opened(pipelined, stream, device, target);
                if (decoder != null) {
                    codec = pipelined;
                    resizedTo = target;
                }
            }
            if (decoder == null) {
                decoder = opened(codec, stream, device, null);
            }
            if (decoder == null) {
                throw new IOException("cannot open decoder " + codec.name().getString());
            }
            String name = codec.name().getString() + (device != null ? " (nvdec)" : "")
                    + (resizedTo != null ? " at " + resizedTo[0] + "x" + resizedTo[1] : "");
            return new NvdecStreamReader(source.cameraUuid(), format, decoder, index, stream, fps, name,
                    device != null, size, shape, resizedTo != null, onClose);
        } catch (IOException | RuntimeException e) {
            if (decoder != null) {
                avcodec_free_context(decoder);
            }
            avformat_close_input(format);
            if (chosen) {
                onClose.run();
            }
            throw e;
        }
    }

    /**
     * The size the CUVID decoder should output pictures of {@code shape} at: the analysis size, or null to leave
     * them whole (resizing off, the size unknown until decoding, or nothing to scale).
     */
    static int[] resizeTarget(StreamShape shape, AnalysisSize size) {
        if (!resizing() || shape.width() <= 0 || shape.height() <= 0) {
            return null;
        }
        int[] target = size.of(shape.width(), shape.height());
        return target[0] == shape.width() && target[1] == shape.height() ? null : target;
    }

    /**
     * {@code codec}'s decoder for {@code stream}, on {@code device} when there is one (FFmpeg's NVDEC hwaccel, or the
     * CUVID decoder itself, which takes the shared device too), outputting pictures at {@code resize} (CUVID only;
     * null: as coded); null when it does not open.
     */
    private static AVCodecContext opened(AVCodec codec, AVStream stream, AVBufferRef device, int[] resize)
            throws IOException {
        AVCodecContext decoder = avcodec_alloc_context3(codec);
        int configured = avcodec_parameters_to_context(decoder, stream.codecpar());
        if (configured < 0) {
            avcodec_free_context(decoder);
            throw failure("cannot configure the decoder", configured);
        }
        decoder.pkt_timebase(stream.time_base());
        // NVDEC does the decoding; the CPU only parses. Without a device, one thread: the cameras are the parallelism
        decoder.thread_count(1);
        if (device != null) {
            decoder.hw_device_ctx(av_buffer_ref(device));
        }
        AVDictionary options = new AVDictionary(null);
        if (resize != null) {
            av_dict_set(options, "resize", resize[0] + "x" + resize[1], 0);
        }
        int r = avcodec_open2(decoder, codec, options);
        av_dict_free(options);
        if (r < 0) {
            log.debug("decoder {} does not open: {}", codec.name().getString(), failure("", r).getMessage());
            avcodec_free_context(decoder);
            return null;
        }
        return decoder;
    }

    /** {@link #RESIZE_PROPERTY}: true or false, anything else refused by name like {@link #queuedDecoder()}. */
    static boolean resizing() {
        String value = System.getProperty(RESIZE_PROPERTY, "true");
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException(RESIZE_PROPERTY + " must be true or false, got '" + value + "'");
        }
        return value.equals("true");
    }

    /** {@link #QUEUE_PROPERTY}: NVDEC through FFmpeg's CUVID decoder, which keeps frames in flight per session. */
    public static boolean queuedDecoder() {
        String value = System.getProperty(QUEUE_PROPERTY, "cuvid");
        if (!value.equals("cuvid") && !value.equals("hwaccel")) {
            throw new IllegalArgumentException(QUEUE_PROPERTY + " must be cuvid or hwaccel, got '" + value + "'");
        }
        return value.equals("cuvid");
    }

    /** The decoder in use, e.g. {@code h264 (nvdec)}. */
    public String decoderName() {
        return decoderName;
    }

    @Override
    public DecodedImage next(LongPredicate wanted) throws IOException {
        return next(wanted, PictureFilter.KEEP_ALL);
    }

    /** {@code filter} sees the luma plane of the copy in host memory; a frame it drops is never converted. */
    @Override
    public DecodedImage next(LongPredicate wanted, PictureFilter filter) throws IOException {
        while (true) {
            int r = avcodec_receive_frame(decoder, decoded);
            if (r >= 0) {
                if (!pictureSeen) {
                    pictureSeen = true;
                    if (onGpu && !resized) {
                        SCALE_REFUSALS.wholeDecoded(cameraUuid, shape.width(), shape.height());
                    }
                }
                try {
                    long pts = micros(decoded.best_effort_timestamp());
                    return wanted.test(pts) ? kept(decoded, pts, filter) : new DecodedImage(null, pts);
                } finally {
                    av_frame_unref(decoded);
                }
            }
            if (r == AVERROR_EOF || (r == AVERROR_EAGAIN && draining)) {
                return null;
            }
            if (r != AVERROR_EAGAIN) {
                throw decodingFailed(r);
            }
            if (pending) {
                // a decoder that had no room took the packet back: it goes in again now that a frame was asked for
                r = avcodec_send_packet(decoder, packet);
                if (r == AVERROR_EAGAIN) {
                    continue;
                }
                pending = false;
                av_packet_unref(packet);
                if (r < 0 && r != AVERROR_INVALIDDATA) {
                    throw decodingFailed(r);
                }
                continue;
            }
            r = av_read_frame(format, packet);
            if (r == AVERROR_EOF) {
                draining = true;
                avcodec_send_packet(decoder, null);
                continue;
            }
            check(r, "reading failed");
            boolean kept = false;
            try {
                if (packet.stream_index() == streamIndex) {
                    r = avcodec_send_packet(decoder, packet);
                    kept = pending = r == AVERROR_EAGAIN;
                    // a corrupt packet costs its frame, not the camera; anything else is the stream's failure
                    if (r < 0 && r != AVERROR_EAGAIN && r != AVERROR_INVALIDDATA) {
                        throw decodingFailed(r);
                    }
                }
            } finally {
                if (!kept) {
                    av_packet_unref(packet);
                }
            }
        }
    }

    private long micros(long pts) {
        if (pts == AV_NOPTS_VALUE) {
            long interval = frameRate > 0 ? Math.round(1_000_000 / frameRate) : 40_000;
            return lastPts == Long.MIN_VALUE ? 0 : lastPts + interval;
        }
        lastPts = av_rescale_q(pts - startPts, timeBase, MICROS);
        return lastPts;
    }

    /** A wanted frame: judged by {@code filter} on its luma, then a BGR copy at the analysis size that the caller owns. */
    private DecodedImage kept(AVFrame frame, long pts, PictureFilter filter) throws IOException {
        // a picture the decoder scaled stands for the stream's own size: boxes and masks are in source pixels
        int sourceWidth = resized ? shape.width() : frame.width();
        int sourceHeight = resized ? shape.height() : frame.height();
        int[] target = resized ? new int[] {frame.width(), frame.height()}
                : size.of(frame.width(), frame.height());
        AVFrame host = inHostMemory(frame, target);
        PictureFilter rest = LumaPlane.judge(host, filter, pts, sourceWidth, sourceHeight);
        if (rest == null) {
            return DecodedImage.notKept(pts, sourceWidth, sourceHeight);
        }
        return new DecodedImage(converted(host, target[0], target[1]), pts, sourceWidth, sourceHeight)
                .filtered(rest);
    }

    /** The picture in host memory: copied from the GPU (scaled there first where possible), or as decoded. */
    private AVFrame inHostMemory(AVFrame frame, int[] target) throws IOException {
        AVFrame host = frame;
        if (frame.format() == AV_PIX_FMT_CUDA) {
            AVFrame onDevice = frame;
            if (target[0] != frame.width() || target[1] != frame.height()) {
                AVFrame scaled = scaledOnGpu(frame, target);
                onDevice = scaled != null ? scaled : frame;
            }
            if (download.width() != onDevice.width() || download.height() != onDevice.height()) {
                av_frame_unref(download);
            }
            check(av_hwframe_transfer_data(download, onDevice, 0), "cannot copy a frame from the GPU");
            host = download;
        } else if (onGpu && !warnedSoftware) {
            warnedSoftware = true;
            log.warn("camera {}: NVDEC does not take this stream ({}x{}, pixel format {}); it decodes on the CPU",
                    cameraUuid, frame.width(), frame.height(), frame.format());
        }
        return host;
    }

    /**
     * The picture scaled on the GPU, with {@link CudaScaler#ENABLED}; null otherwise or if scale_cuda fails (then
     * the CPU scales after the copy, and this reader stops trying).
     */
    private AVFrame scaledOnGpu(AVFrame frame, int[] target) {
        if (!CudaScaler.ENABLED || scalerFailed) {
            return null;
        }
        try {
            if (scaler == null || !scaler.fits(frame, target[0], target[1])) {
                closeScaler();
                scaler = CudaScaler.create(frame, timeBase, target[0], target[1]);
                scalersBuilt++;
            }
            return scaler.scale(frame);
        } catch (IOException | RuntimeException e) {
            closeScaler();
            scalerFailed = true;
            log.warn("camera {}: cannot scale on the GPU after {} scaler(s) ({}); kept frames cross at full size and are"
                    + " scaled on the CPU", cameraUuid, scalersBuilt, e.getMessage());
            return null;
        }
    }

    private int scalersBuilt;

    /** What NVDEC's scaling of each stream size has shown, for every reader of the process. */
    private static final NvdecScaleRefusals SCALE_REFUSALS = new NvdecScaleRefusals();
    private boolean pictureSeen;

    private IOException decodingFailed(int error) {
        IOException failure = failure("decoding failed", error);
        if (onGpu && !pictureSeen) {
            if (resized) {
                SCALE_REFUSALS.scaledFailedFirst(cameraUuid, shape.width(), shape.height(), failure.getMessage());
            } else {
                SCALE_REFUSALS.wholeFailedFirst(cameraUuid, shape.width(), shape.height(), failure.getMessage());
            }
        }
        return failure;
    }

    private void closeScaler() {
        if (scaler != null) {
            scaler.close();
            scaler = null;
        }
    }

    /** {@code host} (in host memory) as a new BGR image of {@code w} x {@code h}. */
    private Mat converted(AVFrame host, int w, int h) throws IOException {
        Mat bgr = new Mat(h, w, CV_8UC3);
        try {
            return convertInto(host, bgr, w, h);
        } catch (IOException | RuntimeException e) {
            bgr.close(); // the caller never got it
            throw e;
        }
    }

    private Mat convertInto(AVFrame host, Mat bgr, int w, int h) throws IOException {
        if (host.format() == AV_PIX_FMT_NV12 && host.width() == w && host.height() == h && w % 2 == 0 && h % 2 == 0) {
            try (Mat y = new Mat(h, w, CV_8UC1, host.data(0), host.linesize(0));
                 Mat uv = new Mat(h / 2, w / 2, CV_8UC2, host.data(1), host.linesize(1))) {
                cvtColorTwoPlane(y, uv, bgr, COLOR_YUV2BGR_NV12);
            }
            return bgr;
        }
        sws = sws_getCachedContext(sws, host.width(), host.height(), host.format(), w, h, AV_PIX_FMT_BGR24,
                SWS_BILINEAR, null, null, (DoublePointer) null);
        if (sws == null || sws.isNull()) {
            throw new IOException("cannot convert pixel format " + host.format() + " to BGR");
        }
        try (PointerPointer<?> dst = new PointerPointer<>(1).put(0, bgr.data());
             IntPointer dstStride = new IntPointer(1).put(0, (int) bgr.step())) {
            sws_scale(sws, host.data(), host.linesize(), 0, host.height(), dst, dstStride);
        }
        return bgr;
    }

    @Override
    public long declaredDurationMicros() {
        return format.duration(); // AV_TIME_BASE is microseconds
    }

    @Override
    public void rewind() throws IOException {
        check(av_seek_frame(format, streamIndex, startPts, AVSEEK_FLAG_BACKWARD), "cannot seek to the start");
        avcodec_flush_buffers(decoder);
        if (pending) {
            av_packet_unref(packet);
            pending = false;
        }
        draining = false;
        lastPts = Long.MIN_VALUE;
    }

    @Override
    public double frameRate() {
        return frameRate;
    }

    private boolean closed;

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        av_packet_free(packet);
        av_frame_free(decoded);
        av_frame_free(download);
        closeScaler();
        if (scalersBuilt > 1) {
            log.warn("camera {}: built {} GPU scalers for one stream", cameraUuid, scalersBuilt);
        }
        avcodec_free_context(decoder);
        avformat_close_input(format);
        if (sws != null) {
            sws_freeContext(sws);
        }
        onClose.run();
    }

    private static void check(int result, String what) throws IOException {
        if (result < 0) {
            throw failure(what, result);
        }
    }

    /** FFmpeg's words with its error number, in the form {@link StreamError#classify} reads. */
    static IOException failure(String what, int error) {
        byte[] text = new byte[256];
        av_strerror(error, text, text.length);
        int end = 0;
        while (end < text.length && text[end] != 0) {
            end++;
        }
        return new IOException(what + ": " + new String(text, 0, end, java.nio.charset.StandardCharsets.UTF_8)
                + " (error " + error + ")");
    }
}

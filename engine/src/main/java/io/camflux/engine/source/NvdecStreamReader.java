package io.camflux.engine.source;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
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
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EXTERNAL;
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
import static org.bytedeco.ffmpeg.global.avutil.av_frame_move_ref;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_hwframe_transfer_data;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC2;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_YUV2BGR_NV12;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColorTwoPlane;

import io.camflux.engine.config.DecodeConfig;
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
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Opens a stream with FFmpeg itself and reads it through the decoder {@link NvdecDecoders} picks: on one of the
 * engine's CUDA contexts ({@link NvdecDevice}) when it gives one, else on the CPU. Decoded pictures stay in GPU
 * memory; only a frame the sampler keeps crosses to the host ({@link NvdecHostTransfer}). For a stream NVDEC cannot
 * take (the hwaccel refuses its profile), the same decoder runs on the CPU, one thread.
 * Everything native here is owned by this reader and freed by {@link #close()}, on the camera's thread.
 */
public final class NvdecStreamReader implements StreamReader {
    static {
        FfmpegLog.install();
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NvdecStreamReader.class);
    private static final int AVERROR_EAGAIN = -11;
    private static final AVRational MICROS = new AVRational().num(1).den(1_000_000);
    private final String cameraUuid;
    private final AVFormatContext format;
    private final AVStream stream;
    private final AVCodec codec;
    /** The decoder frames come from now; replaced at a key frame when the stream's decoded rate changes. */
    private Decoding decoding;
    /** The decoder replaced, flushed: its last pictures come out before the new one's first. */
    private Decoding retiring;
    /** What decoders already closed lost ({@link #undecodable()}). */
    private long lostBefore;
    private final AVPacket packet = av_packet_alloc();
    /** A key packet framed for a shared decoder. */
    private final AVPacket framed = av_packet_alloc();
    /** Frames key packets for a shared decoder; made when first needed (null before, or for a codec not shared). */
    private KeyPacketFramer framer;
    /** No shared decoder for this stream from now on: its codec is not shared, or its group had none left. */
    private boolean sharingOut;
    private final AVFrame decoded = av_frame_alloc();
    private final NvdecHostTransfer transfer = new NvdecHostTransfer();
    private final NvdecDecoders decoders;
    private final int streamIndex;
    private final AVRational timeBase;
    private final long startPts;
    private final double frameRate;
    private final DeviceChoice choice;
    private final Runnable onClose;
    private final AnalysisSize size;
    /** The stream's picture size as its parameters give it (0 x 0 when unknown before decoding). */
    private final StreamShape shape;
    private boolean draining;
    /** {@link #packet} was refused for now (EAGAIN) and is sent again before the next one is read. */
    private boolean pending;
    private boolean warnedSoftware;
    /** Key frames only asked for ({@link #keyFramesOnly}); the decoder changes to match at the next key frame. */
    private boolean keyFramesWanted;
    private long lastPts = Long.MIN_VALUE;
    private final KeyFrameClock keyFrames = new KeyFrameClock();
    private boolean keyFramesOnlyAllowed = true;

    private NvdecStreamReader(String cameraUuid, AVFormatContext format, NvdecDecoders decoders, Decoding decoding,
                              int streamIndex, AVStream stream, AVCodec codec, double frameRate, AnalysisSize size,
                              StreamShape shape, DeviceChoice choice, Runnable onClose) {
        this.decoders = decoders;
        this.size = size;
        this.shape = shape;
        this.cameraUuid = cameraUuid;
        this.format = format;
        this.stream = stream;
        this.codec = codec;
        this.decoding = decoding;
        this.choice = choice;
        this.streamIndex = streamIndex;
        this.timeBase = new AVRational().num(stream.time_base().num()).den(stream.time_base().den());
        this.startPts = stream.start_time() == AV_NOPTS_VALUE ? 0 : stream.start_time();
        this.frameRate = frameRate;
        this.onClose = onClose;
    }

    /**
     * An open decoder and how its pictures come: on a device or not, at the analysis size ({@code decode.nvdec.resize};
     * each then stands for {@link #shape}), fed key frames only. Its context is this reader's, freed by it.
     */
    private static final class Decoding {
        /** The reader's own FFmpeg decoder; null on a shared one or NVDEC driven directly. */
        final AVCodecContext context;
        /** The reader's own decoder when NVDEC is driven directly ({@code decode.nvdec.decoder: direct}), else null. */
        final NvcuvidDecoder direct;
        /** The place on a shared key-frame decoder; null on a decoder of its own. */
        final SharedKeyFrameDecoders.Member shared;
        final String name;
        final boolean onGpu;
        final boolean resized;
        final boolean keyFramesOnly;
        boolean pictureSeen;
        /** Packets its own decoder refused as corrupt. */
        long corrupt;

        Decoding(NvdecDecoders.Opened opened, boolean onGpu, boolean keyFramesOnly) {
            this.context = opened.context();
            this.direct = opened.direct();
            this.shared = null;
            this.name = opened.name() + (keyFramesOnly ? ", key frames only" : "");
            this.onGpu = onGpu;
            this.resized = opened.resized();
            this.keyFramesOnly = keyFramesOnly;
        }

        Decoding(SharedKeyFrameDecoders.Member shared) {
            this.context = null;
            this.direct = null;
            this.shared = shared;
            this.name = shared.name() + ", key frames only, shared";
            this.onGpu = shared.onDevice();
            this.resized = shared.resized();
            this.keyFramesOnly = true;
        }

        /** Packets sent to it that will never be pictures. */
        long lost() {
            return corrupt + (shared != null ? shared.picturesLost() : 0) + (direct != null ? direct.corrupt() : 0);
        }

        /** Frees the decoder, or leaves the shared one. */
        void close() {
            if (shared != null) {
                shared.close();
            } else if (direct != null) {
                direct.close();
            } else {
                avcodec_free_context(context);
            }
        }
    }

    /** What the decoder of a stream would need, known once the stream is probed. */
    public record StreamShape(int width, int height, double frameRate, String codec) {
        /** An H.264 stream. */
        public StreamShape(int width, int height, double frameRate) {
            this(width, height, frameRate, "h264");
        }

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

        /** {@link #nvdecLoad()}, a frame of another codec counted at its cost ({@code decode.nvdec.hevc_frame_cost}). */
        public double nvdecLoad(DecodeConfig.Nvdec settings) {
            return nvdecLoad() * settings.frameCost(codec);
        }

        /** The same stream decoded at {@code fps} frames a second (its key frames only, say). */
        public StreamShape atRate(double fps) {
            return new StreamShape(width, height, fps, codec);
        }

        /** What a frame of 720p or smaller counts, in 1080p frames. */
        public static final double SMALLEST_FRAME = 0.6;
    }

    /**
     * Decides whether this stream gets the GPU, once its shape is known and again whenever the rate it decodes at
     * changes (key frames only, or every frame again): the shape's frame rate is that rate. May reserve capacity.
     */
    @FunctionalInterface
    public interface DeviceChoice {
        /**
         * The device to decode on (the caller's reference, not consumed), or null for the CPU; what an earlier call
         * reserved is given back first.
         */
        AVBufferRef deviceFor(StreamShape shape);

        /**
         * For a stream decoding only key frames on the CPU now, at a key frame: a device should one have room for it
         * now (reserved as {@link #deviceFor} does), else null, which changes nothing. A stream decoding every frame
         * stays where it opened: moving costs a decoder, and NVDEC full at every frame's rate stays full.
         */
        default AVBufferRef roomFor(StreamShape shape) {
            return null;
        }

        /**
         * The decoder made on the device given failed in the driver before its first picture (CUDA out of memory, or
         * NVDEC out of decoders): the stream fails and reconnects, and what it reserved is given back.
         */
        default void refused(String why) {
        }

        /**
         * For a stream about to decode key frames only: a place on the decoders that the key-frame streams of its
         * codec and size share on a device ({@link SharedKeyFrameDecoders}; pictures at {@code resize}, null: as
         * coded), its rate reserved and what it held before given back; null for none (then the stream decodes on a
         * decoder of its own, as {@link #deviceFor} says).
         */
        default SharedKeyFrameDecoders.Member sharedFor(StreamShape shape, AVCodec codec, AVStream stream, int[] resize)
                throws IOException {
            return null;
        }
    }

    /**
     * Connects (blocking up to the source's timeout on network sources), probes the stream and opens its decoder
     * on the device {@code choice} gives, or on the CPU when it gives none. {@code onClose} runs once when the
     * reader closes (or if the open fails after the choice): the place to return reserved capacity. Frames are kept
     * at no more than {@code size} (scaled by NVDEC where {@code decoders} has it scale them).
     */
    static NvdecStreamReader open(SourceConfig source, AnalysisSize size, NvdecDecoders decoders,
                                  DeviceChoice choice, Runnable onClose) throws IOException {
        AVFormatContext format = new AVFormatContext(null);
        AVDictionary options = new AVDictionary(null);
        DecoderBackend.demuxOptions(source).forEach((key, value) -> av_dict_set(options, key, value, 0));
        int r = avformat_open_input(format, source.location(), (AVInputFormat) null, options);
        av_dict_free(options);
        if (r < 0) {
            throw failure("cannot open " + source.redactedUrl(), r);
        }
        NvdecDecoders.Opened opened = null;
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
            StreamShape shape = new StreamShape(stream.codecpar().width(), stream.codecpar().height(), fps,
                    codec.name().getString());
            AVBufferRef device = choice.deviceFor(shape);
            chosen = true;
            opened = decoders.open(codec, stream, device, shape, size, source.cameraUuid(), false);
            return new NvdecStreamReader(source.cameraUuid(), format, decoders, new Decoding(opened, device != null, false),
                    index, stream, codec, fps, size, shape, choice, onClose);
        } catch (IOException | RuntimeException e) {
            if (opened != null) {
                opened.free();
            }
            avformat_close_input(format);
            if (chosen) {
                onClose.run();
            }
            throw e;
        }
    }

    @Override
    public long keyFrameIntervalMicros() {
        return keyFrames.intervalMicros();
    }

    /**
     * From now on the reader sends the decoder key frames only (or, from the next key frame on, every frame again): the
     * packets between are never parsed, by FFmpeg's decoders and CUVID's parser alike (CUVID ignores {@code skip_frame}). At
     * that key frame the stream asks its {@link DeviceChoice} again at the rate it will decode (NVDEC counts a
     * key-frame camera at a twenty-fifth of its stream's rate, so it may move onto NVDEC, or off it when every frame
     * comes back and there is no room), and gets a decoder for the mode: for key frames, first a place on the decoders
     * the key-frame streams of its codec and size share on NVDEC ({@link SharedKeyFrameDecoders}), else one of its own
     * that holds no picture back.
     */
    @Override
    public boolean keyFramesOnly(boolean on) {
        if (!keyFramesOnlyAllowed) {
            return false;
        }
        keyFramesWanted = on;
        return true;
    }

    /** The rate the stream decodes at in {@code keyFramesOnly} mode, frames per second. */
    private double decodedRate(boolean keyFramesOnly) {
        long interval = keyFrames.intervalMicros();
        return keyFramesOnly && interval > 0 ? 1_000_000.0 / interval : frameRate;
    }

    /**
     * At a key packet: a decoder for the mode asked for, on the device the choice gives at that mode's rate; or, for a
     * stream on the CPU, onto a device that has room now. The old decoder is flushed and drained first.
     */
    private void chooseDecoderAt(boolean keyPacket) throws IOException {
        if (!keyPacket || retiring != null) {
            return;
        }
        boolean leavingShared = decoding.shared != null && sharingOut;
        boolean modeChanged = keyFramesWanted != decoding.keyFramesOnly || leavingShared;
        if (keyFramesWanted && decoding.shared == null && (modeChanged || !decoding.onGpu)) {
            SharedKeyFrameDecoders.Member member = sharedPlace();
            if (member != null) {
                switchTo(new Decoding(member));
                return;
            }
        }
        AVBufferRef device;
        if (modeChanged) {
            device = choice.deviceFor(shape.atRate(decodedRate(keyFramesWanted)));
        } else if (!decoding.onGpu && keyFramesWanted) {
            device = choice.roomFor(shape.atRate(decodedRate(keyFramesWanted)));
            if (device == null) {
                return;
            }
        } else {
            return;
        }
        NvdecDecoders.Opened opened = decoders.open(codec, stream, device, shape, size, cameraUuid, keyFramesWanted);
        switchTo(new Decoding(opened, device != null, keyFramesWanted));
    }

    /** A place on a shared key-frame decoder, or null (none for this codec, or none to be had now). */
    private SharedKeyFrameDecoders.Member sharedPlace() throws IOException {
        if (sharingOut) {
            return null;
        }
        if (framer == null) {
            framer = KeyPacketFramer.of(stream, codec.name().getString());
            if (framer == null) {
                sharingOut = true;
                return null;
            }
        }
        return choice.sharedFor(shape.atRate(decodedRate(true)), codec, stream,
                decoders.scaledSize(cameraUuid, shape, size));
    }

    private void closeRetiring() {
        lostBefore += retiring.lost();
        retiring.close();
        retiring = null;
    }

    /** Packets of the stream sent to a decoder that never became pictures: corrupt, or lost in a shared decoder. */
    @Override
    public long undecodable() {
        return lostBefore + decoding.lost() + (retiring != null ? retiring.lost() : 0);
    }

    /** From this key packet on, {@code next} decodes; the decoder before it gives out what it holds first. */
    private void switchTo(Decoding next) throws IOException {
        log.info("camera {}: {} from this key frame on: {}", cameraUuid,
                next.keyFramesOnly ? "key frames only" : "every frame", next.name);
        if (decoding.context != null) {
            avcodec_send_packet(decoding.context, null);
        } else if (decoding.direct != null) {
            decoding.direct.send(null);
        }
        retiring = decoding;
        decoding = next;
    }

    /** {@code decode.key_frames_only}: false ({@code never}) keeps every frame decoded. */
    NvdecStreamReader allowKeyFramesOnly(boolean allowed) {
        this.keyFramesOnlyAllowed = allowed;
        return this;
    }

    /** The decoder in use, e.g. {@code h264 (nvdec)}. */
    public String decoderName() {
        return decoding.name;
    }

    @Override
    public DecodedImage next(LongPredicate wanted) throws IOException {
        return next(wanted, PictureFilter.KEEP_ALL);
    }

    /** {@code filter} sees the luma plane of the copy in host memory; a frame it drops is never converted. */
    @Override
    public DecodedImage next(LongPredicate wanted, PictureFilter filter) throws IOException {
        while (true) {
            if (retiring != null) {
                if (retiring.shared != null) {
                    SharedKeyFrameDecoders.Picture left = retiring.shared.take();
                    if (left != null) {
                        return picture(retiring, left, wanted, filter);
                    }
                } else if (retiring.direct != null) {
                    if (retiring.direct.ready()) {
                        return directPicture(retiring, wanted, filter);
                    }
                } else if (avcodec_receive_frame(retiring.context, decoded) >= 0) {
                    return picture(retiring, micros(decoded.best_effort_timestamp()), wanted, filter);
                }
                closeRetiring(); // flushed: its end, or an error it can no longer matter for
                continue;
            }
            DecodedImage ready = decoding.shared != null ? fromShared(wanted, filter)
                    : decoding.direct != null ? (decoding.direct.ready() ? directPicture(decoding, wanted, filter) : null)
                    : fromOwnDecoder(wanted, filter);
            if (ready != null) {
                return ready;
            }
            if (draining) {
                return null; // at the end, and nothing left in the decoder
            }
            int r = av_read_frame(format, packet);
            if (r == AVERROR_EOF) {
                draining = true;
                if (decoding.context != null) {
                    avcodec_send_packet(decoding.context, null);
                } else if (decoding.direct != null) {
                    sendDirect(null);
                }
                continue;
            }
            check(r, "reading failed");
            boolean kept = false;
            try {
                if (packet.stream_index() == streamIndex) {
                    boolean key = (packet.flags() & AV_PKT_FLAG_KEY) != 0;
                    if (key && packet.pts() != AV_NOPTS_VALUE) {
                        // from the packets, not the pictures: a picture lost or late must not make the GOP look longer
                        keyFrames.decoded(streamMicros(packet.pts()), true);
                    }
                    chooseDecoderAt(key);
                    // never parsed, from the moment key frames only is asked for until every frame is back at a key frame
                    if (!key && (keyFramesWanted || decoding.keyFramesOnly)) {
                        continue;
                    }
                    if (decoding.shared != null) {
                        long pts = micros(packet.pts());
                        framer.frame(packet, framed);
                        if (!decoding.shared.send(framed, pts)) {
                            sharingOut = true; // its group has no decoder left: one of its own at the next key frame
                        }
                        continue;
                    }
                    if (decoding.direct != null) {
                        sendDirect(packet);
                        continue;
                    }
                    r = avcodec_send_packet(decoding.context, packet);
                    kept = pending = r == AVERROR_EAGAIN;
                    sent(r);
                }
            } finally {
                if (!kept) {
                    av_packet_unref(packet);
                }
            }
        }
    }

    /**
     * What sending a packet to the reader's own decoder returned: a corrupt packet costs its frame (counted), not the
     * camera; a full decoder (EAGAIN) is the caller's to retry; anything else is the stream's failure.
     */
    private void sent(int r) throws IOException {
        if (r == AVERROR_INVALIDDATA) {
            decoding.corrupt++;
        } else if (r < 0 && r != AVERROR_EAGAIN) {
            throw decodingFailed(r);
        }
    }

    /** A packet (null: the end) to NVDEC driven directly; its failure is the stream's, and told as a decoder's is. */
    private void sendDirect(AVPacket sent) throws IOException {
        try {
            decoding.direct.send(sent);
        } catch (IOException e) {
            throw failedOnDevice(e, decoding.direct.refusedByDriver());
        }
    }

    /**
     * The oldest picture NVDEC driven directly showed for {@code from}: mapped and copied to the host only if wanted
     * (and then judged and converted as any kept picture), else dropped where it lies on the GPU.
     */
    private DecodedImage directPicture(Decoding from, LongPredicate wanted, PictureFilter filter) throws IOException {
        long pts = micros(from.direct.nextPts());
        seen(from);
        if (!wanted.test(pts)) {
            from.direct.skip();
            return new DecodedImage(null, pts);
        }
        return kept(from, from.direct.download(), pts, filter);
    }

    /** The next picture a shared decoder gave for this stream, or null for none yet. */
    private DecodedImage fromShared(LongPredicate wanted, PictureFilter filter) throws IOException {
        SharedKeyFrameDecoders.Picture mine = decoding.shared.take();
        return mine == null ? null : picture(decoding, mine, wanted, filter);
    }

    /**
     * The next picture of the reader's own decoder; null when it needs the next packet (a packet it had refused is
     * sent again first), or, while draining, when it has given out its last.
     */
    private DecodedImage fromOwnDecoder(LongPredicate wanted, PictureFilter filter) throws IOException {
        AVCodecContext decoder = decoding.context;
        while (true) {
            int r = avcodec_receive_frame(decoder, decoded);
            if (r >= 0) {
                return picture(decoding, micros(decoded.best_effort_timestamp()), wanted, filter);
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
                sent(r);
                continue;
            }
            return null;
        }
    }

    /** A picture a shared decoder gave for this stream, as {@link #picture(Decoding, long, LongPredicate, PictureFilter)}. */
    private DecodedImage picture(Decoding from, SharedKeyFrameDecoders.Picture given, LongPredicate wanted,
                                 PictureFilter filter) throws IOException {
        av_frame_move_ref(decoded, given.frame());
        av_frame_free(given.frame());
        return picture(from, given.ptsMicros(), wanted, filter);
    }

    /** The picture {@code from} gave in {@link #decoded}, at {@code pts}: its time noted, kept or not as {@code wanted} says. */
    private DecodedImage picture(Decoding from, long pts, LongPredicate wanted, PictureFilter filter) throws IOException {
        seen(from);
        try {
            return wanted.test(pts) ? kept(from, decoded, pts, filter) : new DecodedImage(null, pts);
        } finally {
            av_frame_unref(decoded);
        }
    }

    /** {@code from}'s first picture, on a decoder of the stream's own, tells the decoders NVDEC took it whole. */
    private void seen(Decoding from) {
        if (!from.pictureSeen) {
            from.pictureSeen = true;
            if (from.onGpu && from.shared == null) {
                decoders.firstPicture(cameraUuid, shape, from.resized);
            }
        }
    }

    private long micros(long pts) {
        if (pts == AV_NOPTS_VALUE) {
            long interval = frameRate > 0 ? Math.round(1_000_000 / frameRate) : 40_000;
            return lastPts == Long.MIN_VALUE ? 0 : lastPts + interval;
        }
        lastPts = streamMicros(pts);
        return lastPts;
    }

    /** A time of the stream's, in microseconds from its start. */
    private long streamMicros(long pts) {
        return av_rescale_q(pts - startPts, timeBase, MICROS);
    }

    /** A wanted frame: judged by {@code filter} on its luma, then a BGR copy at the analysis size that the caller owns. */
    private DecodedImage kept(Decoding from, AVFrame frame, long pts, PictureFilter filter) throws IOException {
        boolean resized = from.resized;
        // a picture the decoder scaled stands for the stream's own size: boxes and masks are in source pixels
        int sourceWidth = resized ? shape.width() : frame.width();
        int sourceHeight = resized ? shape.height() : frame.height();
        int[] target = resized ? new int[] {frame.width(), frame.height()}
                : size.of(frame.width(), frame.height());
        AVFrame host = transfer.inHostMemory(frame);
        if (host == frame && from.onGpu && from.direct == null && !warnedSoftware) {
            warnedSoftware = true;
            log.warn("camera {}: NVDEC does not take this stream ({}x{}, pixel format {}); it decodes on the CPU",
                    cameraUuid, frame.width(), frame.height(), frame.format());
        }
        PictureFilter rest = LumaPlane.judge(host, filter, pts, sourceWidth, sourceHeight);
        if (rest == null) {
            return DecodedImage.notKept(pts, sourceWidth, sourceHeight);
        }
        return new DecodedImage(transfer.converted(host, target[0], target[1]), pts, sourceWidth, sourceHeight)
                .filtered(rest);
    }

    private IOException decodingFailed(int error) {
        return failedOnDevice(failure("decoding failed", error), error == AVERROR_EXTERNAL);
    }

    /**
     * {@code failure} of the decoder in use, told to the decoders (and, where the driver had no decoder to give, to
     * the device choice) when it came on a device before the first picture.
     */
    private IOException failedOnDevice(IOException failure, boolean refusedByDriver) {
        if (decoding.onGpu && !decoding.pictureSeen) {
            decoders.failedBeforeFirstPicture(cameraUuid, shape, decoding.resized, failure.getMessage());
            if (refusedByDriver) {
                choice.refused(failure.getMessage());
            }
        }
        return failure;
    }

    @Override
    public long declaredDurationMicros() {
        return format.duration(); // AV_TIME_BASE is microseconds
    }

    @Override
    public void rewind() throws IOException {
        check(av_seek_frame(format, streamIndex, startPts, AVSEEK_FLAG_BACKWARD), "cannot seek to the start");
        if (retiring != null) {
            closeRetiring();
        }
        if (decoding.shared != null) {
            decoding.shared.rewound();
        } else if (decoding.direct != null) {
            decoding.direct.flush();
        } else {
            avcodec_flush_buffers(decoding.context);
        }
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
        transfer.close();
        if (retiring != null) {
            retiring.close();
        }
        decoding.close();
        av_packet_free(framed);
        if (framer != null) {
            framer.close();
        }
        avformat_close_input(format);
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

package io.camflux.engine.source;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_LOW_DELAY;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_free;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avutil.av_buffer_ref;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_free;

import io.camflux.engine.config.DecodeConfig;
import java.io.IOException;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVBufferRef;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;

/**
 * Which FFmpeg decoder a stream gets and with what options ({@code decode.nvdec.decoder} and {@code resize}): on a
 * device, FFmpeg's CUVID decoder ({@code h264_cuvid}: NVIDIA's parser keeps frames in flight, so a session is not bound
 * by one frame's round trip; on an H200 beside 32 CPU cameras 80 CUVID sessions kept 25 fps each where 57 hwaccel
 * sessions fell to 20-24), outputting pictures at the analysis size when NVDEC scales that stream size; else, or when
 * CUVID does not open, the codec's own decoder with the NVDEC hwaccel, or on the CPU with one thread. One per
 * {@link DecoderBackend}: it remembers the stream sizes NVDEC was seen not to scale.
 */
final class NvdecDecoders {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NvdecDecoders.class);

    private final DecodeConfig.Nvdec settings;
    private final NvdecScaleRefusals refusals = new NvdecScaleRefusals();

    NvdecDecoders(DecodeConfig.Nvdec settings) {
        this.settings = settings;
    }

    /**
     * An open decoder, its name for logs and status ({@code h264_cuvid (nvdec) at 416x234}), and its output size: an
     * FFmpeg decoder ({@code context}) or NVDEC driven directly ({@code direct}, {@code decode.nvdec.decoder: direct}),
     * the other null.
     */
    record Opened(AVCodecContext context, String name, boolean resized, NvcuvidDecoder direct) {
        Opened(AVCodecContext context, String name, boolean resized) {
            this(context, name, resized, null);
        }

        Opened(NvcuvidDecoder direct) {
            this(null, direct.name(), direct.resized(), direct);
        }

        /** Frees the decoder (for an open that fails before a reader owns it). */
        void free() {
            if (direct != null) {
                direct.close();
            } else {
                avcodec_free_context(context);
            }
        }
    }

    /**
     * Opens the decoder for {@code stream} of {@code camera} on {@code device} (null: the CPU), its pictures at no more
     * than {@code size} when the CUVID decoder scales them. {@code keyFramesOnly}: the reader sends it nothing but key
     * frames, so it must not hold pictures back for reordering (FFmpeg's low delay: CUVID's parser would otherwise
     * give each key frame out only after four more, seconds late).
     */
    Opened open(AVCodec codec, AVStream stream, AVBufferRef device, NvdecStreamReader.StreamShape shape,
                AnalysisSize size, String camera, boolean keyFramesOnly) throws IOException {
        if (device != null && settings.decoder() == DecodeConfig.Decoder.DIRECT) {
            NvcuvidDecoder direct = NvcuvidDecoder.open(codec.name().getString(), stream, device,
                    scaledSize(camera, shape, size), keyFramesOnly);
            if (direct != null) {
                return new Opened(direct);
            }
        }
        AVCodec cuvid = cuvidFor(codec, device);
        if (cuvid != null) {
            int[] target = scaledSize(camera, shape, size);
            AVCodecContext context = opened(cuvid, stream.codecpar(), stream.time_base(), device, target, keyFramesOnly);
            if (context != null) {
                return new Opened(context, named(cuvid, true, target), target != null);
            }
        }
        AVCodecContext context = opened(codec, stream.codecpar(), stream.time_base(), device, null, keyFramesOnly);
        if (context == null) {
            throw new IOException("cannot open decoder " + codec.name().getString());
        }
        return new Opened(context, named(codec, device != null, null), false);
    }

    /**
     * A decoder of key frames that many cameras of {@code shape} feed ({@link SharedKeyFrameDecoders}): low delay, on
     * {@code device} (CUVID's where it has one, at {@code resize} when not null), configured from {@code stream}
     * without its extradata, so that each packet's own parameter sets ({@link KeyPacketFramer}) decide its picture;
     * times in 100 ns units, which CUVID passes through unchanged. Null when it does not open.
     */
    Opened openShared(AVCodec codec, AVStream stream, AVBufferRef device, int[] resize) throws IOException {
        AVCodec cuvid = cuvidFor(codec, device);
        AVCodec chosen = cuvid != null ? cuvid : codec;
        int[] target = chosen == cuvid ? resize : null;
        AVCodecParameters parameters = avcodec_parameters_alloc();
        try {
            int r = avcodec_parameters_copy(parameters, stream.codecpar());
            if (r < 0) {
                throw NvdecStreamReader.failure("cannot configure the decoder", r);
            }
            av_free(parameters.extradata());
            parameters.extradata(null).extradata_size(0);
            AVCodecContext context = opened(chosen, parameters, HUNDRED_NANOSECONDS, device, target, true);
            return context == null ? null : new Opened(context, named(chosen, device != null, target), target != null);
        } finally {
            avcodec_parameters_free(parameters);
        }
    }

    /**
     * {@code codec}'s CUVID decoder ({@code h264_cuvid}) when there is a device and CUVID drives it (also for the
     * codecs and shared decoders that {@code direct} leaves to FFmpeg), else null.
     */
    private AVCodec cuvidFor(AVCodec codec, AVBufferRef device) {
        if (device == null || settings.decoder() == DecodeConfig.Decoder.HWACCEL) {
            return null;
        }
        AVCodec cuvid = avcodec_find_decoder_by_name(codec.name().getString() + "_cuvid");
        return cuvid == null || cuvid.isNull() ? null : cuvid;
    }

    private static final AVRational HUNDRED_NANOSECONDS = new AVRational().num(1).den(10_000_000);

    private static String named(AVCodec codec, boolean onDevice, int[] resizedTo) {
        return codec.name().getString() + (onDevice ? " (nvdec)" : "")
                + (resizedTo != null ? " at " + resizedTo[0] + "x" + resizedTo[1] : "");
    }

    /** The size the CUVID decoder should output {@code camera}'s pictures at, unless NVDEC was seen not to scale them. */
    int[] scaledSize(String camera, NvdecStreamReader.StreamShape shape, AnalysisSize size) {
        return refusals.scales(camera, shape.width(), shape.height()) ? resizeTarget(shape, size) : null;
    }

    /**
     * The size the CUVID decoder should output pictures of {@code shape} at: the analysis size, or null to leave
     * them whole (resizing off, the size unknown until decoding, or nothing to scale).
     */
    int[] resizeTarget(NvdecStreamReader.StreamShape shape, AnalysisSize size) {
        if (!settings.resize() || shape.width() <= 0 || shape.height() <= 0) {
            return null;
        }
        int[] target = size.of(shape.width(), shape.height());
        return target[0] == shape.width() && target[1] == shape.height() ? null : target;
    }

    /** A decoder on a device delivered its first picture. */
    void firstPicture(String camera, NvdecStreamReader.StreamShape shape, boolean resized) {
        if (!resized) {
            refusals.wholeDecoded(camera, shape.width(), shape.height());
        }
    }

    /** A decoder on a device failed before its first picture. */
    void failedBeforeFirstPicture(String camera, NvdecStreamReader.StreamShape shape, boolean resized, String why) {
        if (resized) {
            refusals.scaledFailedFirst(camera, shape.width(), shape.height(), why);
        } else {
            refusals.wholeFailedFirst(camera, shape.width(), shape.height(), why);
        }
    }

    /**
     * {@code codec}'s decoder for {@code stream}, on {@code device} when there is one (FFmpeg's NVDEC hwaccel, or the
     * CUVID decoder itself, which takes the shared device too), outputting pictures at {@code resize} (CUVID only;
     * null: as coded); null when it does not open.
     */
    private static AVCodecContext opened(AVCodec codec, AVCodecParameters parameters, AVRational timeBase,
                                         AVBufferRef device, int[] resize, boolean lowDelay) throws IOException {
        AVCodecContext decoder = avcodec_alloc_context3(codec);
        int configured = avcodec_parameters_to_context(decoder, parameters);
        if (configured < 0) {
            avcodec_free_context(decoder);
            throw NvdecStreamReader.failure("cannot configure the decoder", configured);
        }
        decoder.pkt_timebase(timeBase);
        // NVDEC does the decoding; the CPU only parses. Without a device, one thread: the cameras are the parallelism
        decoder.thread_count(1);
        if (lowDelay) {
            decoder.flags(decoder.flags() | AV_CODEC_FLAG_LOW_DELAY);
        }
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
            log.debug("decoder {} does not open: {}", codec.name().getString(),
                    NvdecStreamReader.failure("", r).getMessage());
            avcodec_free_context(decoder);
            return null;
        }
        return decoder;
    }
}

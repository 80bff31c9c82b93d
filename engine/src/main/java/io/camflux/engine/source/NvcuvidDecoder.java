package io.camflux.engine.source;

import static org.bytedeco.cuda.global.cudart.CU_MEMORYTYPE_DEVICE;
import static org.bytedeco.cuda.global.cudart.CU_MEMORYTYPE_HOST;
import static org.bytedeco.cuda.global.cudart.cuCtxPopCurrent;
import static org.bytedeco.cuda.global.cudart.cuCtxPushCurrent;
import static org.bytedeco.cuda.global.cudart.cuGetErrorString;
import static org.bytedeco.cuda.global.cudart.cuMemcpy2D;
import static org.bytedeco.ffmpeg.global.avcodec.av_bsf_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_bsf_flush;
import static org.bytedeco.ffmpeg.global.avcodec.av_bsf_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_bsf_get_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.av_bsf_init;
import static org.bytedeco.ffmpeg.global.avcodec.av_bsf_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_bsf_send_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_NV12;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.nvcodec.global.nvcuvid.CUVID_PKT_ENDOFSTREAM;
import static org.bytedeco.nvcodec.global.nvcuvid.CUVID_PKT_TIMESTAMP;
import static org.bytedeco.nvcodec.global.nvcuvid.cudaVideoChromaFormat_420;
import static org.bytedeco.nvcodec.global.nvcuvid.cudaVideoCodec_H264;
import static org.bytedeco.nvcodec.global.nvcuvid.cudaVideoCodec_HEVC;
import static org.bytedeco.nvcodec.global.nvcuvid.cudaVideoCreate_PreferCUVID;
import static org.bytedeco.nvcodec.global.nvcuvid.cudaVideoDeinterlaceMode_Adaptive;
import static org.bytedeco.nvcodec.global.nvcuvid.cudaVideoDeinterlaceMode_Weave;
import static org.bytedeco.nvcodec.global.nvcuvid.cudaVideoSurfaceFormat_NV12;
import static org.bytedeco.nvcodec.global.nvcuvid.cuvidCreateDecoder;
import static org.bytedeco.nvcodec.global.nvcuvid.cuvidCreateVideoParser;
import static org.bytedeco.nvcodec.global.nvcuvid.cuvidCtxLockCreate;
import static org.bytedeco.nvcodec.global.nvcuvid.cuvidCtxLockDestroy;
import static org.bytedeco.nvcodec.global.nvcuvid.cuvidDecodePicture;
import static org.bytedeco.nvcodec.global.nvcuvid.cuvidDestroyDecoder;
import static org.bytedeco.nvcodec.global.nvcuvid.cuvidDestroyVideoParser;
import static org.bytedeco.nvcodec.global.nvcuvid.cuvidMapVideoFrame64;
import static org.bytedeco.nvcodec.global.nvcuvid.cuvidParseVideoData;
import static org.bytedeco.nvcodec.global.nvcuvid.cuvidUnmapVideoFrame64;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.cuda.cudart.CUDA_MEMCPY2D_v2;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.ffmpeg.avcodec.AVBSFContext;
import org.bytedeco.ffmpeg.avcodec.AVBitStreamFilter;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVBufferRef;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVHWDeviceContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.nvcodec.nvcuvid.CUVIDDECODECREATEINFO;
import org.bytedeco.nvcodec.nvcuvid.CUVIDEOFORMAT;
import org.bytedeco.nvcodec.nvcuvid.CUVIDPARSERDISPINFO;
import org.bytedeco.nvcodec.nvcuvid.CUVIDPARSERPARAMS;
import org.bytedeco.nvcodec.nvcuvid.CUVIDPICPARAMS;
import org.bytedeco.nvcodec.nvcuvid.CUVIDPROCPARAMS;
import org.bytedeco.nvcodec.nvcuvid.CUVIDSOURCEDATAPACKET;
import org.bytedeco.nvcodec.nvcuvid.CUvideodecoder;
import org.bytedeco.nvcodec.nvcuvid.CUvideoparser;
import org.bytedeco.nvcodec.nvcuvid.PFNVIDDECODECALLBACK;
import org.bytedeco.nvcodec.nvcuvid.PFNVIDDISPLAYCALLBACK;
import org.bytedeco.nvcodec.nvcuvid.PFNVIDSEQUENCECALLBACK;
import org.bytedeco.nvcodec.nvcuvid._CUcontextlock_st;

/**
 * One stream's NVDEC decoder driven through NVIDIA's own parser and decoder ({@code nvcuvid}, the Video Codec SDK's
 * API) instead of FFmpeg's CUVID decoder ({@code decode.nvdec.decoder: direct}). FFmpeg's decoder maps every decoded
 * picture and copies it into a frame of its own, kept or not; here a picture is only queued when NVIDIA's parser shows
 * it, and mapped and copied to the host (NV12, at the output size NVDEC scales to) only when {@link #download} asks
 * for it: a picture the sampler drops costs its parse and its decode call, nothing else.
 * Packets are demuxed by FFmpeg and turned into Annex B by its bitstream filter (as FFmpeg's own decoder does); the
 * parser's callbacks run on the caller's thread, inside {@link #send}. Everything native here (parser, decoder,
 * context lock, filter, host frame) is owned by this object and freed by {@link #close()}, on the camera's thread; the
 * CUDA context is the engine's ({@link NvdecDevice}), not this decoder's.
 */
final class NvcuvidDecoder implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NvcuvidDecoder.class);
    /** {@code CUDA_ERROR_OUT_OF_MEMORY} and {@code CUDA_ERROR_NOT_SUPPORTED}: the driver has no decoder to give. */
    private static final int OUT_OF_MEMORY = 2;
    private static final int NOT_SUPPORTED = 801;
    /** Pictures the parser may hold back for reordering when frames are not low delay (FFmpeg's CUVID uses 4). */
    private static final int DISPLAY_DELAY = 4;
    /**
     * Decode surfaces beyond the stream's own minimum: a shown picture waits in {@link #shown} until the reader takes
     * it, and its surface must not be decoded into before then (FFmpeg's CUVID decoder adds as many).
     */
    private static final int EXTRA_SURFACES = 4;

    /** The decoders whose parser may call back now, by their token's address (the parser's user data). */
    private static final Map<Long, NvcuvidDecoder> OPEN = new ConcurrentHashMap<>();

    /**
     * One callback of each kind for all decoders (JavaCPP makes a few native thunks per class, not one per object),
     * made once the library is known to load.
     */
    private static final class Callbacks {
        static final PFNVIDSEQUENCECALLBACK SEQUENCE = new PFNVIDSEQUENCECALLBACK() {
            @Override
            public int call(Pointer user, CUVIDEOFORMAT format) {
                NvcuvidDecoder decoder = OPEN.get(user.address());
                return decoder == null ? 0 : decoder.sequence(format);
            }
        };
        static final PFNVIDDECODECALLBACK DECODE = new PFNVIDDECODECALLBACK() {
            @Override
            public int call(Pointer user, CUVIDPICPARAMS picture) {
                NvcuvidDecoder decoder = OPEN.get(user.address());
                return decoder == null ? 0 : decoder.decode(picture);
            }
        };
        static final PFNVIDDISPLAYCALLBACK DISPLAY = new PFNVIDDISPLAYCALLBACK() {
            @Override
            public int call(Pointer user, CUVIDPARSERDISPINFO shownPicture) {
                NvcuvidDecoder decoder = OPEN.get(user.address());
                return decoder == null ? 0 : decoder.shown(shownPicture);
            }
        };
    }

    private final String codecName;
    private final int codecType;
    private final CUctx_st context;
    private final boolean lowDelay;
    /** The output size NVDEC scales pictures to; null: the stream's display size. */
    private final int[] resize;
    private final int clockRate;
    private final BytePointer token = new BytePointer(1);
    private final _CUcontextlock_st lock = new _CUcontextlock_st();
    private final CUVIDPARSERPARAMS parserParams = new CUVIDPARSERPARAMS();
    private CUvideoparser parser;
    private CUvideodecoder decoder;
    private final CUVIDDECODECREATEINFO createInfo = new CUVIDDECODECREATEINFO();
    private final AVBSFContext annexB;
    private final AVPacket filtered = av_packet_alloc();
    private final CUVIDSOURCEDATAPACKET data = new CUVIDSOURCEDATAPACKET();
    /** Pictures the parser showed, oldest first: {picture index, timestamp, progressive, top field first}. */
    private final ArrayDeque<long[]> shown = new ArrayDeque<>();
    private final AVFrame host = av_frame_alloc();
    private final CUVIDPROCPARAMS processing = new CUVIDPROCPARAMS();
    private final LongPointer mapped = new LongPointer(1);
    private final IntPointer pitch = new IntPointer(1);
    private final CUDA_MEMCPY2D_v2 copy = new CUDA_MEMCPY2D_v2();
    private final CUctx_st popped = new CUctx_st();
    /** The size pictures come out at, once the first sequence header came (0 x 0 before). */
    private int width;
    private int height;
    /** What a callback failed with, thrown by {@link #send} when the parser returns. */
    private IOException failure;
    private boolean refusedByDriver;
    private long corrupt;
    private boolean closed;

    private NvcuvidDecoder(String codecName, int codecType, CUctx_st context, AVBSFContext annexB, int[] resize,
                           boolean lowDelay, int clockRate) throws IOException {
        this.codecName = codecName;
        this.codecType = codecType;
        this.context = context;
        this.annexB = annexB;
        this.resize = resize;
        this.lowDelay = lowDelay;
        this.clockRate = clockRate;
    }

    private void start() throws IOException {
        OPEN.put(token.address(), this);
        check(cuvidCtxLockCreate(lock, context), "cannot create NVDEC's context lock");
        createParser();
    }

    /**
     * A decoder for {@code stream} on {@code device} (one of the engine's CUDA contexts), pictures at {@code resize}
     * (null: as displayed), low delay when the reader sends key frames only; null for a codec this path does not
     * take (other than H.264 and HEVC), or where NVIDIA's decoding library does not load (the caller then uses
     * FFmpeg's decoder).
     */
    static NvcuvidDecoder open(String codec, AVStream stream, AVBufferRef device, int[] resize, boolean lowDelay)
            throws IOException {
        int type = switch (codec) {
            case "h264" -> 0;
            case "hevc" -> 1;
            default -> -1;
        };
        if (type < 0 || !Library.loaded()) {
            return null;
        }
        AVBSFContext annexB = annexBFilter(codec, stream);
        CUctx_st context = new CUctx_st(new PointerPointer<>(new AVHWDeviceContext(device.data()).hwctx()).get(0));
        int timeBaseDen = stream.time_base().den();
        int clockRate = stream.time_base().num() == 1 && timeBaseDen > 0 ? timeBaseDen : 0;
        NvcuvidDecoder opened = new NvcuvidDecoder(codec, type == 0 ? cudaVideoCodec_H264 : cudaVideoCodec_HEVC,
                context, annexB, resize, lowDelay, clockRate);
        try {
            opened.start();
            return opened;
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
    }

    /** Whether nvcuvid's Java binding and the driver's library load here; tried once. */
    private static final class Library {
        private static final boolean LOADED = load();

        private static boolean load() {
            try {
                org.bytedeco.javacpp.Loader.load(org.bytedeco.nvcodec.global.nvcuvid.class);
                return true;
            } catch (Throwable e) { // UnsatisfiedLinkError, or its ExceptionInInitializerError
                log.warn("NVDEC: NVIDIA's decoding library does not load ({}); decode.nvdec.decoder direct falls back"
                        + " to FFmpeg's CUVID decoder", e.toString());
                return false;
            }
        }

        static boolean loaded() {
            return LOADED;
        }
    }

    /** FFmpeg's {@code h264_mp4toannexb} (or HEVC's) for {@code stream}: NVIDIA's parser reads Annex B only. */
    private static AVBSFContext annexBFilter(String codec, AVStream stream) throws IOException {
        AVBitStreamFilter filter = av_bsf_get_by_name(codec + "_mp4toannexb");
        if (filter == null || filter.isNull()) {
            throw new IOException("no " + codec + "_mp4toannexb bitstream filter in this FFmpeg");
        }
        AVBSFContext annexB = new AVBSFContext(null);
        int r = av_bsf_alloc(filter, annexB);
        if (r < 0) {
            throw NvdecStreamReader.failure("cannot make the Annex B filter", r);
        }
        r = avcodec_parameters_copy(annexB.par_in(), stream.codecpar());
        if (r >= 0) {
            annexB.time_base_in(stream.time_base());
            r = av_bsf_init(annexB);
        }
        if (r < 0) {
            av_bsf_free(annexB);
            throw NvdecStreamReader.failure("cannot start the Annex B filter", r);
        }
        return annexB;
    }

    private void createParser() throws IOException {
        parserParams.CodecType(codecType)
                .ulMaxNumDecodeSurfaces(1) // raised by the first sequence header's callback
                .ulClockRate(clockRate)
                .ulMaxDisplayDelay(lowDelay ? 0 : DISPLAY_DELAY)
                .pUserData(token)
                .pfnSequenceCallback(Callbacks.SEQUENCE)
                .pfnDecodePicture(Callbacks.DECODE)
                .pfnDisplayPicture(Callbacks.DISPLAY);
        CUvideoparser created = new CUvideoparser();
        check(cuvidCreateVideoParser(created, parserParams), "cannot create NVIDIA's parser");
        parser = created;
        // the parameter sets the container carries (Annex B after the filter): a stream that repeats them in band
        // does not need them, one whose only copy is its SDP does
        BytePointer extradata = annexB.par_out().extradata();
        int size = annexB.par_out().extradata_size();
        if (extradata != null && !extradata.isNull() && size > 0) {
            parse(extradata, size, 0, false);
        }
    }

    /** The decoder's name for logs and status: {@code h264 (nvdec, direct) at 416x234}. */
    String name() {
        return codecName + " (nvdec, direct)" + (resize != null ? " at " + resize[0] + "x" + resize[1] : "");
    }

    boolean resized() {
        return resize != null;
    }

    /**
     * Parses one demuxed packet (the filter takes its data; the packet comes back empty), or with null the end of the
     * stream, after which every picture held back is shown. The pictures it showed are then {@link #ready}.
     */
    void send(AVPacket packet) throws IOException {
        int r = av_bsf_send_packet(annexB, packet);
        if (r < 0 && packet != null) {
            corrupt++; // a packet the filter cannot read, e.g. truncated NAL lengths: its frame is lost, not the camera
            return;
        }
        while ((r = av_bsf_receive_packet(annexB, filtered)) >= 0) {
            try {
                long pts = filtered.pts();
                parse(filtered.data(), filtered.size(), pts == AV_NOPTS_VALUE ? 0 : pts, pts != AV_NOPTS_VALUE);
            } finally {
                av_packet_unref(filtered);
            }
        }
        if (packet == null) {
            data.payload(null).payload_size(0).flags(CUVID_PKT_ENDOFSTREAM).timestamp(0);
            cuvidParseVideoData(parser, data);
            rethrow();
        }
    }

    private void parse(BytePointer payload, int size, long timestamp, boolean timed) throws IOException {
        data.payload(payload).payload_size(size).flags(timed ? CUVID_PKT_TIMESTAMP : 0).timestamp(timestamp);
        int r = cuvidParseVideoData(parser, data);
        rethrow();
        if (r != 0) {
            corrupt++;
        }
    }

    private void rethrow() throws IOException {
        if (failure != null) {
            IOException thrown = failure;
            failure = null;
            throw thrown;
        }
    }

    /** A picture the parser showed waits to be taken ({@link #download} or {@link #skip}). */
    boolean ready() {
        return !shown.isEmpty();
    }

    /** The oldest waiting picture's time, in the stream's time base (as the packet it came from gave it). */
    long nextPts() {
        return shown.getFirst()[1];
    }

    /** Drops the oldest waiting picture: it is never mapped or copied. */
    void skip() {
        shown.removeFirst();
    }

    /**
     * The oldest waiting picture, mapped and copied into host memory: an NV12 frame this decoder owns and reuses, valid
     * until the next call.
     */
    AVFrame download() throws IOException {
        long[] picture = shown.removeFirst();
        processing.progressive_frame((int) picture[2]).top_field_first((int) picture[3]).second_field(0)
                .unpaired_field(0).output_stream(null);
        check(cuvidMapVideoFrame64(decoder, (int) picture[0], mapped, pitch, processing), "cannot map a picture");
        long device = mapped.get();
        try {
            if (host.width() != width || host.height() != height || host.data(0) == null || host.data(0).isNull()) {
                av_frame_unref(host);
                host.format(AV_PIX_FMT_NV12).width(width).height(height);
                int r = av_frame_get_buffer(host, 0);
                if (r < 0) {
                    throw NvdecStreamReader.failure("cannot allocate a host frame", r);
                }
            }
            check(cuCtxPushCurrent(context), "cannot use the CUDA context");
            try {
                copyPlane(device, 0, host.data(0), host.linesize(0), height);
                // the chroma plane follows the luma plane's surface rows (the output surface is the target height)
                copyPlane(device, (long) pitch.get() * height, host.data(1), host.linesize(1), height / 2);
            } finally {
                cuCtxPopCurrent(popped);
            }
        } finally {
            cuvidUnmapVideoFrame64(decoder, device);
        }
        return host;
    }

    private void copyPlane(long device, long offset, BytePointer target, int targetPitch, int rows) throws IOException {
        copy.srcMemoryType(CU_MEMORYTYPE_DEVICE).srcDevice(device + offset).srcPitch(pitch.get()).srcXInBytes(0)
                .srcY(0).dstMemoryType(CU_MEMORYTYPE_HOST).dstHost(target).dstPitch(targetPitch).dstXInBytes(0)
                .dstY(0).WidthInBytes(width).Height(rows);
        check(cuMemcpy2D(copy), "cannot copy a picture to the host");
    }

    /** Packets the filter or the parser refused; their frames are lost. */
    long corrupt() {
        return corrupt;
    }

    /** The last failure came from the driver having no decoder to give (GPU memory, or NVDEC's own limits). */
    boolean refusedByDriver() {
        return refusedByDriver;
    }

    /** Back to the start (a file's loop): a new parser; the decoder stays for pictures of the same size. */
    void flush() throws IOException {
        shown.clear();
        av_bsf_flush(annexB);
        destroyParser();
        createParser();
    }

    /** The parser's new sequence: a decoder made (or remade, at a new size) for it; the surfaces the parser needs. */
    private int sequence(CUVIDEOFORMAT format) {
        try {
            if (format.bit_depth_luma_minus8() != 0 || format.chroma_format() != cudaVideoChromaFormat_420) {
                failure = new IOException("decoding failed: the direct NVDEC decoder takes 8-bit 4:2:0 video only, got "
                        + (format.bit_depth_luma_minus8() + 8) + "-bit chroma format " + format.chroma_format());
                return 0;
            }
            int minimum = format.min_num_decode_surfaces() & 0xff;
            int surfaces = (minimum > 0 ? minimum : 16) + EXTRA_SURFACES;
            int displayWidth = format.display_area_right() - format.display_area_left();
            int displayHeight = format.display_area_bottom() - format.display_area_top();
            if (decoder != null && createInfo.ulWidth() == format.coded_width()
                    && createInfo.ulHeight() == format.coded_height() && createInfo.ulNumDecodeSurfaces() >= surfaces
                    && createInfo.display_area_right() == format.display_area_right()
                    && createInfo.display_area_bottom() == format.display_area_bottom()) {
                return (int) createInfo.ulNumDecodeSurfaces();
            }
            destroyDecoder();
            int targetWidth = resize != null ? resize[0] : displayWidth & ~1;
            int targetHeight = resize != null ? resize[1] : displayHeight & ~1;
            createInfo.ulWidth(format.coded_width()).ulHeight(format.coded_height()).ulMaxWidth(format.coded_width())
                    .ulMaxHeight(format.coded_height()).ulNumDecodeSurfaces(surfaces).CodecType(format.codec())
                    .ChromaFormat(format.chroma_format()).bitDepthMinus8(0)
                    .ulCreationFlags(cudaVideoCreate_PreferCUVID).ulIntraDecodeOnly(0)
                    .display_area_left((short) format.display_area_left())
                    .display_area_top((short) format.display_area_top())
                    .display_area_right((short) format.display_area_right())
                    .display_area_bottom((short) format.display_area_bottom())
                    .OutputFormat(cudaVideoSurfaceFormat_NV12)
                    .DeinterlaceMode(format.progressive_sequence() != 0 ? cudaVideoDeinterlaceMode_Weave
                            : cudaVideoDeinterlaceMode_Adaptive)
                    .ulTargetWidth(targetWidth).ulTargetHeight(targetHeight).ulNumOutputSurfaces(1).vidLock(lock);
            CUvideodecoder created = new CUvideodecoder();
            int r = cuCtxPushCurrent(context);
            if (r == 0) {
                try {
                    r = cuvidCreateDecoder(created, createInfo);
                } finally {
                    cuCtxPopCurrent(popped);
                }
            }
            if (r != 0) {
                refusedByDriver = r == OUT_OF_MEMORY || r == NOT_SUPPORTED;
                failure = new IOException("decoding failed: cannot create the NVDEC decoder for "
                        + format.coded_width() + "x" + format.coded_height() + ": " + errorText(r) + " (error " + r + ")");
                return 0;
            }
            decoder = created;
            width = targetWidth;
            height = targetHeight;
            return surfaces;
        } catch (RuntimeException e) { // thrown into the driver's parser, it would be lost: rethrown by send
            failure = new IOException("decoding failed: " + e, e);
            return 0;
        }
    }

    private int decode(CUVIDPICPARAMS picture) {
        if (decoder == null) {
            return 0;
        }
        int r = cuvidDecodePicture(decoder, picture);
        if (r != 0) {
            failure = new IOException("decoding failed: " + errorText(r) + " (error " + r + ")");
            return 0;
        }
        return 1;
    }

    private int shown(CUVIDPARSERDISPINFO picture) {
        if (picture == null || picture.isNull()) {
            return 1; // the end of the stream, told by a picture-less call
        }
        shown.addLast(new long[] {picture.picture_index(), picture.timestamp(), picture.progressive_frame(),
                picture.top_field_first()});
        return 1;
    }

    private void destroyParser() {
        if (parser != null) {
            cuvidDestroyVideoParser(parser);
            parser = null;
        }
    }

    private void destroyDecoder() {
        if (decoder != null) {
            if (cuCtxPushCurrent(context) == 0) {
                try {
                    cuvidDestroyDecoder(decoder);
                } finally {
                    cuCtxPopCurrent(popped);
                }
            } else {
                cuvidDestroyDecoder(decoder);
            }
            decoder = null;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        destroyParser();
        destroyDecoder();
        OPEN.remove(token.address());
        if (!lock.isNull()) {
            cuvidCtxLockDestroy(lock);
        }
        av_bsf_free(annexB);
        av_packet_free(filtered);
        av_frame_free(host);
        token.close();
        mapped.close();
        pitch.close();
        copy.close();
        processing.close();
        data.close();
        createInfo.close();
        parserParams.close();
    }

    private static void check(int result, String what) throws IOException {
        if (result != 0) {
            throw new IOException(what + ": " + errorText(result) + " (error " + result + ")");
        }
    }

    private static String errorText(int result) {
        try (PointerPointer<BytePointer> text = new PointerPointer<>(1)) {
            if (cuGetErrorString(result, text) == 0 && text.get() != null) {
                return new BytePointer(text.get()).getString();
            }
        }
        return "CUDA error";
    }
}

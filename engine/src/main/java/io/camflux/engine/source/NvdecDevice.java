package io.camflux.engine.source;

import static org.bytedeco.ffmpeg.global.avutil.AV_HWDEVICE_TYPE_CUDA;
import static org.bytedeco.ffmpeg.global.avutil.av_buffer_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_hwdevice_ctx_create;

import io.camflux.engine.config.DecodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.ffmpeg.avutil.AVBufferRef;
import org.bytedeco.ffmpeg.avutil.AVDictionary;

/**
 * The CUDA device contexts that the NVDEC decoders of an engine share, and the decoding rate NVDEC is given
 * ({@code decode.nvdec}). A few contexts for all cameras instead of one per camera (FFmpeg's CUVID decoders open their
 * own unless given a device: 128 of those ran an H100 out of memory, and the GPU time-slices between contexts). By
 * default two contexts of NVDEC's own, apart from the GPU's primary context that ONNX Runtime's CUDA provider uses:
 * sharing that one made every NVDEC camera wait behind inference (an H200, 108 cameras: slowest 4.54 fps with the
 * primary context, 5.19 without). {@code primary_context} puts the first context on the primary one when FFmpeg can
 * set its flags (blocking synchronisation) before anyone else makes it active; {@link DecoderBackend#prepare} sees to
 * that.
 * NVDEC's throughput is a property of the chip, not of the camera count: a camera gets NVDEC while the cameras'
 * frame rates (in 1080p frames, see {@link NvdecStreamReader.StreamShape#nvdecLoad()}) stay under
 * {@code frames_per_second}; the rest decode on the CPU. Over-subscribed, every NVDEC camera would slow down together.
 * Owned by one {@link DecoderBackend}, which closes it.
 */
public final class NvdecDevice implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NvdecDevice.class);
    /** FFmpeg's {@code AV_CUDA_USE_PRIMARY_CONTEXT} (hwcontext_cuda.h), not mapped by the presets. */
    private static final int AV_CUDA_USE_PRIMARY_CONTEXT = 1;
    /** {@code AVERROR(ENOTSUP)}: the primary context is active with flags FFmpeg cannot use. */
    private static final int AVERROR_ENOTSUP = -95;
    /** The kernel driver's version file: present on NVIDIA hosts and in their GPU containers. */
    private static final Path DRIVER = Path.of("/proc/driver/nvidia/version");

    private final DecodeConfig.Nvdec settings;
    private final Object lock = new Object();
    private final AtomicBoolean warned = new AtomicBoolean();
    private List<Context> contexts;
    private String failure;
    private double reserved;
    /**
     * The most streams NVDEC takes, learnt when the driver could not make a decoder with one more (GPU memory, or
     * NVDEC's own limits: the frame-rate budget cannot see either); 0 until then.
     */
    private int streamCeiling;
    private boolean closed;
    /** Device creations tried (for tests). */
    private final AtomicInteger attempts = new AtomicInteger();

    NvdecDevice(DecodeConfig.Nvdec settings) {
        this.settings = settings;
    }

    /** One device context and the streams decoding on it. */
    private static final class Context {
        final AVBufferRef device;
        int streams;

        Context(AVBufferRef device) {
            this.device = device;
        }
    }

    /** A stream's share of NVDEC: the device it decodes on, and the rate it holds until {@link #release}. */
    public static final class Share {
        private final Context context;
        private final double load;
        private boolean released;

        private Share(Context context, double load) {
            this.context = context;
            this.load = load;
        }

        AVBufferRef device() {
            return context.device;
        }
    }

    public static boolean driverPresent() {
        return Files.isReadable(DRIVER);
    }

    /** Creates the contexts if none were tried yet; false when there are none (see {@link #unavailable()}). */
    boolean available() {
        synchronized (lock) {
            if (contexts == null && failure == null && !closed) {
                create();
            }
            return contexts != null;
        }
    }

    private void create() {
        attempts.incrementAndGet();
        String id = Integer.toString(settings.device());
        int wanted = settings.contexts();
        List<Context> created = new ArrayList<>();
        int[] error = {0};
        boolean usePrimary = settings.primaryContext();
        AVBufferRef primary = usePrimary ? create(id, AV_CUDA_USE_PRIMARY_CONTEXT, error) : null;
        boolean onPrimary = primary != null;
        if (primary != null) {
            created.add(new Context(primary));
        } else if (usePrimary && error[0] != AVERROR_ENOTSUP) {
            failure = NvdecStreamReader.failure("no CUDA device " + id + " for NVDEC", error[0]).getMessage();
            return;
        }
        while (created.size() < wanted) {
            AVBufferRef own = create(id, 0, error);
            if (own == null) {
                break;
            }
            created.add(new Context(own));
        }
        if (created.isEmpty()) {
            failure = NvdecStreamReader.failure("no CUDA device " + id + " for NVDEC", error[0]).getMessage();
            return;
        }
        contexts = created;
        log.info("NVDEC: CUDA device {}, {} context(s){}, {} frames/s for decoding ({})", id, created.size(),
                onPrimary ? " (the first is the primary one)"
                        : usePrimary ? " of its own (the primary one was already active with other flags)"
                        : " of its own (decode.nvdec.primary_context false)",
                budget(), "decode.nvdec.frames_per_second");
    }

    private static AVBufferRef create(String id, int flags, int[] error) {
        AVBufferRef created = new AVBufferRef(null);
        int r = av_hwdevice_ctx_create(created, AV_HWDEVICE_TYPE_CUDA, id, (AVDictionary) null, flags);
        if (r < 0 || created.isNull()) {
            error[0] = r;
            return null;
        }
        return created;
    }

    String unavailable() {
        synchronized (lock) {
            return failure;
        }
    }

    /** What a stream of {@code shape} costs against the budget, in 1080p H.264 frames per second. */
    double load(NvdecStreamReader.StreamShape shape) {
        return shape.nvdecLoad(settings);
    }

    double budget() {
        return settings.framesPerSecond();
    }

    /**
     * A share of NVDEC for a stream of {@code load} 1080p frames per second, on the context with the fewest streams;
     * null when there is no device or no room left for it.
     */
    Share reserve(double load) {
        synchronized (lock) {
            if (!available() || !admitsAnother(activeStreams()) || !tryReserve(load)) {
                return null;
            }
            Context least = contexts.get(0);
            for (Context c : contexts) {
                if (c.streams < least.streams) {
                    least = c;
                }
            }
            least.streams++;
            return new Share(least, load);
        }
    }

    /**
     * A decoder on {@code share}'s context could not be made by the driver: NVDEC takes no more streams than it has
     * open now, less this one, from then on (the least such count seen), and the share is given back.
     */
    void refused(Share share, String camera, String why) {
        synchronized (lock) {
            int open = activeStreams();
            if (lowerCeiling(open)) {
                log.warn("NVDEC: camera {}: no decoder with {} streams open ({}); NVDEC takes at most {} streams from now"
                        + " on, the rest decode on the CPU", camera, open, why, streamCeiling);
            }
            release(share);
        }
    }

    /** The ceiling alone (for tests): whether one more stream fits beside {@code open}. */
    boolean admitsAnother(int open) {
        synchronized (lock) {
            return streamCeiling == 0 || open < streamCeiling;
        }
    }

    /**
     * A decoder failed with {@code open} streams holding shares, itself among them; true when the ceiling fell. Every
     * failure takes it to one below the streams open then, so that it settles where decoders stop failing: on an H100
     * the first came with 493 streams open and they went on until 282 (bench/results/gpu-low-fps-2026-12-07-h100/);
     * a rule that kept the first ceiling left cameras failing and reconnecting through the whole run.
     */
    boolean lowerCeiling(int open) {
        synchronized (lock) {
            int ceiling = Math.max(1, open - 1);
            if (streamCeiling != 0 && ceiling >= streamCeiling) {
                return false;
            }
            streamCeiling = ceiling;
            return true;
        }
    }

    /** The most streams NVDEC takes, once a decoder could not be made; 0 while none failed. */
    public int streamCeiling() {
        synchronized (lock) {
            return streamCeiling;
        }
    }

    /**
     * {@code from} (null: none) given back and a share for {@code load} reserved in one step, so that no other stream
     * takes the room between; null when there is no room for {@code load} (then {@code from} is given back all the same).
     */
    Share move(Share from, double load) {
        synchronized (lock) {
            if (from != null) {
                release(from);
            }
            return reserve(load);
        }
    }

    void release(Share share) {
        synchronized (lock) {
            if (share.released) {
                return;
            }
            share.released = true;
            share.context.streams--;
            release(share.load);
        }
    }

    /** The rate bookkeeping alone (for tests): false when {@code load} more would exceed the budget. */
    boolean tryReserve(double load) {
        synchronized (lock) {
            if (reserved + load > budget()) {
                return false;
            }
            reserved += load;
            return true;
        }
    }

    void release(double load) {
        synchronized (lock) {
            reserved = Math.max(0, reserved - load);
        }
    }

    /** NVDEC load reserved now, in 1080p frames per second. */
    public double reserved() {
        synchronized (lock) {
            return reserved;
        }
    }

    /** Streams decoding on NVDEC now. */
    public int activeStreams() {
        synchronized (lock) {
            return contexts == null ? 0 : contexts.stream().mapToInt(c -> c.streams).sum();
        }
    }

    boolean warnOnce() {
        return !warned.getAndSet(true);
    }

    int attempts() {
        return attempts.get();
    }

    /**
     * Frees the contexts once no stream decodes on them (a reader holds its context's device until it closes; the
     * engine closes its cameras first). Later reservations get no device.
     */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (contexts == null) {
                return;
            }
            if (activeStreams() > 0) {
                log.warn("NVDEC: {} stream(s) still open at close; their contexts stay until the process ends",
                        activeStreams());
                return;
            }
            for (Context c : contexts) {
                av_buffer_unref(c.device);
            }
            contexts = null;
        }
    }
}

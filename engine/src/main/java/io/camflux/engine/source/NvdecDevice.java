package io.camflux.engine.source;

import static org.bytedeco.ffmpeg.global.avutil.AV_HWDEVICE_TYPE_CUDA;
import static org.bytedeco.ffmpeg.global.avutil.av_hwdevice_ctx_create;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.ffmpeg.avutil.AVBufferRef;
import org.bytedeco.ffmpeg.avutil.AVDictionary;

/**
 * The CUDA device contexts that the NVDEC decoders of the process share, and the decoding rate NVDEC is given.
 * A few contexts for all cameras instead of one per camera (FFmpeg's CUVID decoders open their own unless given a
 * device: 128 of those ran an H100 out of memory, and the GPU time-slices between contexts). By default two contexts
 * of NVDEC's own, apart from the GPU's primary context that ONNX Runtime's CUDA provider uses: sharing that one made
 * every NVDEC camera wait behind inference (an H200, 108 cameras: slowest 4.54 fps with the primary context, 5.19
 * without; with CUVID 112 cameras sustained only without). {@link #PRIMARY_PROPERTY} {@code true} puts the first
 * context on the primary one when FFmpeg can set its flags (blocking synchronisation) before anyone else makes it
 * active; {@link StreamReaders#prepare} sees to that.
 * NVDEC's throughput is a property of the chip, not of the camera count: a camera gets NVDEC while the cameras'
 * frame rates (in 1080p frames, see {@link NvdecStreamReader.StreamShape#nvdecLoad()}) stay under
 * {@link #BUDGET_PROPERTY}; the rest decode on the CPU. Over-subscribed, every NVDEC camera would slow down together.
 */
public final class NvdecDevice {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NvdecDevice.class);
    /** FFmpeg's {@code AV_CUDA_USE_PRIMARY_CONTEXT} (hwcontext_cuda.h), not mapped by the presets. */
    private static final int AV_CUDA_USE_PRIMARY_CONTEXT = 1;
    /** {@code AVERROR(ENOTSUP)}: the primary context is active with flags FFmpeg cannot use. */
    private static final int AVERROR_ENOTSUP = -95;
    /** The kernel driver's version file: present on NVIDIA hosts and in their GPU containers. */
    private static final Path DRIVER = Path.of("/proc/driver/nvidia/version");
    public static final String BUDGET_PROPERTY = "camflux.nvdec.frames_per_second";
    public static final String DEVICE_PROPERTY = "camflux.nvdec.device";
    public static final String CONTEXTS_PROPERTY = "camflux.nvdec.contexts";
    /** true: NVDEC's first context is the primary one, shared with ONNX Runtime (default false: all its own). */
    public static final String PRIMARY_PROPERTY = "camflux.nvdec.primary";
    /**
     * 1080p frames per second (see {@link NvdecStreamReader.StreamShape#nvdecLoad()}) that NVDEC is given by default:
     * 120 cameras of 1080p25 or 200 of 720p25, what one H200's decoders kept through CUVID on two contexts of their
     * own, scaling pictures themselves, beside 32-64 more 1080p cameras or 56-100 more 720p ones on its 16 cores (up
     * to 184 and 300 busy cameras sustained, NVDEC 61 % and 50 % busy, 12.6 and 10.8 cores;
     * bench/results/gpu-live2-2026-12-01-h200.md). 266 NVDEC cameras of 720p (a budget of 4,000) fell behind.
     * Measure it with clips that do not loop: each loop of a file re-creates a CUVID decoder, which live cameras
     * never do.
     */
    static final double DEFAULT_BUDGET = 3000;
    /**
     * Four held 320 cameras of 720p25 where two did not (the NVDEC cameras fell behind beside 120 CPU ones), at 2.5x
     * the e2e p99 (318 ms): the GPU time-slices between more contexts. Every 1080p row was measured with two.
     */
    static final int DEFAULT_CONTEXTS = 2;

    private static final Object LOCK = new Object();
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static List<Context> contexts;
    private static String failure;
    private static double reserved;
    /** Device creations tried by this process (for tests). */
    static final AtomicInteger ATTEMPTS = new AtomicInteger();

    private NvdecDevice() {
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
    static boolean available() {
        synchronized (LOCK) {
            if (contexts == null && failure == null) {
                create();
            }
            return contexts != null;
        }
    }

    private static void create() {
        ATTEMPTS.incrementAndGet();
        String id = System.getProperty(DEVICE_PROPERTY, "0");
        int wanted = Math.max(1, Integer.getInteger(CONTEXTS_PROPERTY, DEFAULT_CONTEXTS));
        List<Context> created = new ArrayList<>();
        int[] error = {0};
        boolean usePrimary = Boolean.parseBoolean(System.getProperty(PRIMARY_PROPERTY, "false"));
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
                        : " of its own (" + PRIMARY_PROPERTY + "=false)",
                budget(), BUDGET_PROPERTY);
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

    static String unavailable() {
        synchronized (LOCK) {
            return failure;
        }
    }

    static double budget() {
        String value = System.getProperty(BUDGET_PROPERTY);
        if (value == null) {
            return DEFAULT_BUDGET;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(BUDGET_PROPERTY + " must be a number, got '" + value + "'");
        }
    }

    /**
     * A share of NVDEC for a stream of {@code load} 1080p frames per second, on the context with the fewest streams;
     * null when there is no device or no room left for it.
     */
    static Share reserve(double load) {
        synchronized (LOCK) {
            if (!available() || !tryReserve(load)) {
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

    static void release(Share share) {
        synchronized (LOCK) {
            if (share.released) {
                return;
            }
            share.released = true;
            share.context.streams--;
            release(share.load);
        }
    }

    /** The rate bookkeeping alone (for tests): false when {@code load} more would exceed the budget. */
    static boolean tryReserve(double load) {
        synchronized (LOCK) {
            if (reserved + load > budget()) {
                return false;
            }
            reserved += load;
            return true;
        }
    }

    static void release(double load) {
        synchronized (LOCK) {
            reserved = Math.max(0, reserved - load);
        }
    }

    /** NVDEC load reserved now, in 1080p frames per second. */
    public static double reserved() {
        synchronized (LOCK) {
            return reserved;
        }
    }

    /** Streams decoding on NVDEC now. */
    public static int activeStreams() {
        synchronized (LOCK) {
            return contexts == null ? 0 : contexts.stream().mapToInt(c -> c.streams).sum();
        }
    }

    static boolean warnOnce() {
        return !WARNED.getAndSet(true);
    }
}

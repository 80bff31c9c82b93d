package io.camflux.engine.source;

import static org.bytedeco.ffmpeg.global.avutil.AV_HWDEVICE_TYPE_CUDA;
import static org.bytedeco.ffmpeg.global.avutil.av_hwdevice_ctx_create;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.ffmpeg.avutil.AVBufferRef;
import org.bytedeco.ffmpeg.avutil.AVDictionary;

/**
 * The one CUDA device context that every NVDEC decoder of the process shares, and the decoding rate it is given.
 * One context instead of one per camera (FFmpeg's CUVID decoders open their own): 128 of those ran an H100 out of
 * memory, and the GPU time-slices between contexts. The context is the GPU's primary one, which ONNX Runtime's
 * CUDA provider also uses, so decoding and inference do not switch contexts either.
 * NVDEC's throughput is a property of the chip, not of the camera count: cameras are given NVDEC while the sum of
 * their pixel rates stays under {@link #BUDGET_PROPERTY}; the rest decode on the CPU. Over-subscribed, every NVDEC
 * camera would slow down together.
 */
public final class NvdecDevice {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NvdecDevice.class);
    /** FFmpeg's {@code AV_CUDA_USE_PRIMARY_CONTEXT} (hwcontext_cuda.h), not mapped by the presets. */
    private static final int AV_CUDA_USE_PRIMARY_CONTEXT = 1;
    /** The kernel driver's version file: present on NVIDIA hosts and in their GPU containers. */
    private static final Path DRIVER = Path.of("/proc/driver/nvidia/version");
    public static final String BUDGET_PROPERTY = "camflux.nvdec.megapixels_per_second";
    public static final String DEVICE_PROPERTY = "camflux.nvdec.device";
    /**
     * Megapixels per second of H.264 that NVDEC is given by default: 0.9 of what one H100's decoders sustained in
     * one process (bench/results/gpu-decode-2026-12-01-h200.md), about 57 cameras of 1080p25.
     */
    static final double DEFAULT_BUDGET_MPX = 2900;

    private static final Object LOCK = new Object();
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static AVBufferRef device;
    private static String failure;
    private static double reservedMpx;
    private static int activeStreams;
    /** Device creations tried by this process (for tests). */
    static final java.util.concurrent.atomic.AtomicInteger ATTEMPTS = new java.util.concurrent.atomic.AtomicInteger();

    private NvdecDevice() {
    }

    public static boolean driverPresent() {
        return Files.isReadable(DRIVER);
    }

    /** The shared device, created on first use; null when none can be (the reason is in {@link #unavailable()}). */
    static AVBufferRef device() {
        synchronized (LOCK) {
            if (device == null && failure == null) {
                ATTEMPTS.incrementAndGet();
                AVBufferRef created = new AVBufferRef(null);
                String id = System.getProperty(DEVICE_PROPERTY, "0");
                int r = av_hwdevice_ctx_create(created, AV_HWDEVICE_TYPE_CUDA, id, (AVDictionary) null,
                        AV_CUDA_USE_PRIMARY_CONTEXT);
                if (r < 0 || created.isNull()) {
                    failure = NvdecStreamReader.failure("no CUDA device " + id + " for NVDEC", r).getMessage();
                } else {
                    device = created;
                    log.info("NVDEC: CUDA device {} (primary context), {} megapixels/s for decoding ({})", id,
                            budgetMpx(), BUDGET_PROPERTY);
                }
            }
            return device;
        }
    }

    static String unavailable() {
        synchronized (LOCK) {
            return failure;
        }
    }

    static double budgetMpx() {
        String value = System.getProperty(BUDGET_PROPERTY);
        if (value == null) {
            return DEFAULT_BUDGET_MPX;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(BUDGET_PROPERTY + " must be a number, got '" + value + "'");
        }
    }

    /** Reserves a stream's decoding rate; false when NVDEC has no room left for it. */
    static boolean tryReserve(double mpx) {
        synchronized (LOCK) {
            if (reservedMpx + mpx > budgetMpx()) {
                return false;
            }
            reservedMpx += mpx;
            activeStreams++;
            return true;
        }
    }

    static void release(double mpx) {
        synchronized (LOCK) {
            reservedMpx = Math.max(0, reservedMpx - mpx);
            activeStreams = Math.max(0, activeStreams - 1);
        }
    }

    /** Megapixels per second reserved now (for tests and the bench). */
    public static double reservedMpx() {
        synchronized (LOCK) {
            return reservedMpx;
        }
    }

    /** Streams decoding on NVDEC now. */
    public static int activeStreams() {
        synchronized (LOCK) {
            return activeStreams;
        }
    }

    static boolean warnOnce() {
        return !WARNED.getAndSet(true);
    }
}

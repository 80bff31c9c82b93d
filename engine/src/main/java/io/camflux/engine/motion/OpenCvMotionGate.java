package io.camflux.engine.motion;

import io.camflux.engine.config.MotionConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.source.DropReason;
import io.camflux.engine.source.VideoFrame;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;

/**
 * The motion gate of one camera: frames with motion (and those within the decay after it) pass; the others
 * are released as {@link DropReason#NO_MOTION}. Runs where the camera's frames arrive (its own thread).
 */
public final class OpenCvMotionGate implements MotionGate {
    private final MotionConfig config;
    private final SourceConfig source;
    private final MotionStats stats;

    public OpenCvMotionGate(MotionConfig config, SourceConfig source, MeterRegistry registry) {
        this.config = config;
        this.source = source;
        this.stats = new MotionStats(source.cameraUuid(), registry);
    }

    public MotionStats stats() {
        return stats;
    }

    /**
     * Loads the OpenCV modules the gate runs on, so that a host without their system libraries fails at start with
     * a message instead of failing every camera's thread with a linkage error. (JavaCV's video module pulls in
     * highgui, which links GTK 2: absent on bare GPU hosts and in slim images.)
     *
     * @throws IllegalStateException naming the missing library and the way out
     */
    public static void requireNatives() {
        requireNatives(() -> org.bytedeco.javacpp.Loader.load(org.bytedeco.opencv.global.opencv_video.class));
    }

    static void requireNatives(Runnable load) {
        try {
            load.run();
        } catch (LinkageError e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new IllegalStateException("motion_config.enabled: the motion gate needs OpenCV's video module, which"
                    + " does not load on this host (" + root.getMessage() + "); install the missing system library"
                    + " (libgtk2.0-0 on Debian and Ubuntu) or turn the motion gate off", e);
        }
    }

    @Override
    public Flux<VideoFrame> apply(Flux<VideoFrame> frames) {
        return Flux.using(
                () -> new MotionDetector(config, source.motionMask(), source.cameraUuid()),
                detector -> {
                    MotionTimeline timeline = new MotionTimeline(config.decaySeconds(), config.cooldownSeconds());
                    return frames.handle((frame, sink) -> {
                        boolean motion;
                        try {
                            motion = detector.movingArea(frame.image(), frame.sourceWidth(), frame.sourceHeight())
                                    > config.pixelThreshold();
                        } catch (RuntimeException e) {
                            frame.release(DropReason.CANCELLED);
                            sink.error(e);
                            return;
                        }
                        if (timeline.pass(frame.ptsMicros(), motion)) {
                            stats.passed();
                            sink.next(frame);
                        } else {
                            stats.skipped();
                            frame.release(DropReason.NO_MOTION);
                        }
                    });
                },
                MotionDetector::close);
    }

    /** Frames seen, passed and skipped by one camera's gate, also as Micrometer counters. */
    public static final class MotionStats {
        private final Counter passed;
        private final Counter skipped;

        public MotionStats(String camera, MeterRegistry registry) {
            passed = Counter.builder("motion.frames").description("frames judged by the motion gate")
                    .tag("camera_uuid", camera).tag("result", "passed").register(registry);
            skipped = Counter.builder("motion.frames").description("frames judged by the motion gate")
                    .tag("camera_uuid", camera).tag("result", "skipped").register(registry);
        }

        void passed() {
            passed.increment();
        }

        void skipped() {
            skipped.increment();
        }

        public long seen() {
            return passedCount() + skippedCount();
        }

        public long passedCount() {
            return (long) passed.count();
        }

        public long skippedCount() {
            return (long) skipped.count();
        }

        /** Fraction of frames skipped, 0 before the first frame. */
        public double skipRate() {
            long seen = seen();
            return seen == 0 ? 0 : (double) skippedCount() / seen;
        }
    }
}

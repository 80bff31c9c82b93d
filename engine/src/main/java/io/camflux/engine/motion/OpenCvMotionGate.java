package io.camflux.engine.motion;

import io.camflux.engine.config.MotionConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.source.PictureFilter;
import java.util.function.Supplier;

/**
 * The motion gate of one camera: frames with motion (and those within the decay after it) pass; the others
 * are dropped as {@code NO_MOTION} before conversion. Runs in the camera's reader (its own thread), on the decoded
 * luma where the reader has it. The camera counts its verdicts ({@code motion_frames_total}).
 */
public final class OpenCvMotionGate implements MotionGate {
    private final Supplier<MotionConfig> config;
    private final SourceConfig source;

    public OpenCvMotionGate(MotionConfig config, SourceConfig source) {
        this(() -> config, source);
    }

    /**
     * A gate that follows {@code config} while it runs: a new config starts a fresh background model from the next
     * frame on (no reconnect); a disabled one passes every frame without judging it.
     */
    public OpenCvMotionGate(Supplier<MotionConfig> config, SourceConfig source) {
        this.config = config;
        this.source = source;
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
    public PictureFilter open() {
        return new Run();
    }

    /** One run's gate: a detector and timeline for the config it was made with, remade when the config changes. */
    private final class Run implements PictureFilter {
        private MotionConfig current;
        private MotionDetector detector;
        private MotionTimeline timeline;

        @Override
        public boolean active() {
            return config.get().enabled();
        }

        @Override
        public boolean keep(Picture picture) {
            MotionConfig now = config.get();
            if (!now.enabled()) {
                return true;
            }
            if (!now.equals(current)) {
                close();
                detector = new MotionDetector(now, source.motionMask(), source.cameraUuid());
                timeline = new MotionTimeline(now.decaySeconds(), now.cooldownSeconds());
                current = now;
            }
            boolean first = !detector.hasBackground(picture.sourceWidth(), picture.sourceHeight());
            boolean motion = detector.movingArea(picture) > now.pixelThreshold();
            if (first) {
                // nothing to compare the first picture with: it passes alone (the scene as it starts), without
                // holding the gate open for the decay; every camera of a shard starting at once would otherwise
                // send its first seconds to the detector together. Real motion shows from the second picture on.
                return true;
            }
            return timeline.pass(picture.ptsMicros(), motion);
        }

        @Override
        public void close() {
            if (detector != null) {
                detector.close();
                detector = null;
                current = null;
            }
        }
    }
}

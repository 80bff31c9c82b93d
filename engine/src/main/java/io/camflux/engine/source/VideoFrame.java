package io.camflux.engine.source;

import io.camflux.engine.DropReason;
import io.camflux.engine.config.SourceConfig;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A decoded frame (8-bit BGR) that owns its native image. Whoever takes it out of the pipeline calls
 * {@link #release(DropReason)}; the first call frees the image and is counted, later calls do nothing.
 *
 * @param frameId      increasing per camera, across reconnects
 * @param ptsMicros    media time: the stream's timestamp, continued across loops of a file
 * @param grabNanos    {@link System#nanoTime()} when the frame was decoded, for latency
 * @param grabEpochMs  wall clock when the frame was decoded
 * @param sourceWidth  the stream's picture size; the image may be smaller (decoded at the detector's size), and
 *                     boxes and motion masks are in source pixels
 */
public final class VideoFrame {
    private final String cameraUuid;
    private final long frameId;
    private final long ptsMicros;
    private final long grabNanos;
    private final long grabEpochMs;
    private final Mat image;
    private final int sourceWidth;
    private final int sourceHeight;
    private final double scaleX;
    private final double scaleY;
    private final FrameLedger ledger;
    private final SourceConfig source;
    private final AtomicBoolean released = new AtomicBoolean();

    public VideoFrame(String cameraUuid, long frameId, long ptsMicros, long grabNanos, long grabEpochMs, Mat image,
                      FrameLedger ledger) {
        this(cameraUuid, frameId, ptsMicros, grabNanos, grabEpochMs, image, image.cols(), image.rows(), ledger, null);
    }

    public VideoFrame(String cameraUuid, long frameId, long ptsMicros, long grabNanos, long grabEpochMs, Mat image,
                      int sourceWidth, int sourceHeight, FrameLedger ledger, SourceConfig source) {
        this.cameraUuid = cameraUuid;
        this.source = source;
        this.sourceWidth = sourceWidth;
        this.sourceHeight = sourceHeight;
        // kept apart from the image: events are made after the frame (and its image) is released
        this.scaleX = (double) sourceWidth / image.cols();
        this.scaleY = (double) sourceHeight / image.rows();
        this.frameId = frameId;
        this.ptsMicros = ptsMicros;
        this.grabNanos = grabNanos;
        this.grabEpochMs = grabEpochMs;
        this.image = image;
        this.ledger = ledger;
        ledger.decoded();
    }

    public String cameraUuid() {
        return cameraUuid;
    }

    /** The config of the camera run that decoded it (null for frames made outside one): still right after a replace. */
    public SourceConfig source() {
        return source;
    }

    /** Its camera's meters (those of that run's camera, still right after a replace). */
    public io.camflux.engine.metrics.CameraMeters meters() {
        return ledger.meters();
    }

    public long frameId() {
        return frameId;
    }

    public long ptsMicros() {
        return ptsMicros;
    }

    public long grabNanos() {
        return grabNanos;
    }

    public long grabEpochMs() {
        return grabEpochMs;
    }

    /** The stream's picture width, in the pixels boxes and masks are given in. */
    public int sourceWidth() {
        return sourceWidth;
    }

    public int sourceHeight() {
        return sourceHeight;
    }

    /** Source pixels per image pixel, horizontally. */
    public double scaleX() {
        return scaleX;
    }

    /** Source pixels per image pixel, vertically. */
    public double scaleY() {
        return scaleY;
    }

    /** The image; valid until the frame is released. */
    public Mat image() {
        if (released.get()) {
            throw new IllegalStateException("frame " + cameraUuid + "#" + frameId + " was already released");
        }
        return image;
    }

    /** Frees the image once; returns whether this call did it. */
    public boolean release(DropReason reason) {
        if (!released.compareAndSet(false, true)) {
            return false;
        }
        image.close();
        ledger.released(reason);
        return true;
    }

    public boolean isReleased() {
        return released.get();
    }

    @Override
    public String toString() {
        return "VideoFrame[" + cameraUuid + "#" + frameId + " pts=" + ptsMicros + "us]";
    }
}

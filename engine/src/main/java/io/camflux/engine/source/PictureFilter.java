package io.camflux.engine.source;

import io.camflux.engine.DropReason;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Judges a sampled frame on the camera's thread before it is converted to an image (the motion gate): a frame it
 * does not keep costs no conversion and is counted as {@link DropReason#NO_MOTION}. One per run of a camera; the
 * camera closes it when the run ends.
 */
@FunctionalInterface
public interface PictureFilter extends AutoCloseable {
    /** Keeps every frame: no filter. */
    PictureFilter KEEP_ALL = new PictureFilter() {
        @Override
        public boolean keep(Picture picture) {
            return true;
        }

        @Override
        public boolean active() {
            return false;
        }
    };

    boolean keep(Picture picture);

    /** Whether it judges frames now; one that does not keeps them all and the reader need not show it any. */
    default boolean active() {
        return true;
    }

    @Override
    default void close() {
    }

    /**
     * A decoded picture, valid only during {@link #keep}: its 8-bit luma plane where the decoder's pixel format has
     * one (YUV, NV12, grey), else the BGR image.
     *
     * @param pixels       one channel of luma, or three of BGR; perhaps smaller than the source (see
     *                     {@link AnalysisSize})
     * @param limitedRange luma in video range (16-235) rather than full range (0-255)
     */
    record Picture(Mat pixels, boolean limitedRange, long ptsMicros, int sourceWidth, int sourceHeight) {
        public static Picture bgr(Mat image, long ptsMicros, int sourceWidth, int sourceHeight) {
            return new Picture(image, false, ptsMicros, sourceWidth, sourceHeight);
        }

        public boolean luma() {
            return pixels.channels() == 1;
        }
    }
}

package io.camflux.engine.source;

import io.camflux.engine.DropReason;
import java.util.function.LongPredicate;

/**
 * One open connection to a camera, read on the camera's own thread. Blocking.
 */
public interface StreamReader extends AutoCloseable {

    /**
     * Decodes the next frame; null at the end of the stream. Only a frame whose media time {@code wanted}
     * accepts is converted to an image: the others come back without one ({@link DecodedImage#skipped()}).
     */
    DecodedImage next(LongPredicate wanted) throws Exception;

    /**
     * As above; a wanted frame is then shown to {@code filter} before it is converted (its luma plane where the
     * reader can), and one it does not keep comes back without an image as {@link DropReason#NO_MOTION}. This
     * default filters the converted image; readers that can look at the decoded picture override it.
     */
    default DecodedImage next(LongPredicate wanted, PictureFilter filter) throws Exception {
        DecodedImage decoded = next(wanted);
        return decoded == null || decoded.skipped() ? decoded : decoded.filtered(filter);
    }

    /** For files: back to the start, for looping. */
    void rewind() throws Exception;

    /** The duration the container declares (files), in microseconds; 0 or less when unknown (live streams). */
    default long declaredDurationMicros() {
        return 0;
    }

    /** The stream's nominal frame rate, 0 when unknown. */
    double frameRate();

    /** The decoder in use, e.g. {@code h264} or {@code h264 (nvdec)}. */
    String decoderName();

    /** Media time between the last two key frames decoded, in microseconds; 0 until two came (or not known). */
    default long keyFrameIntervalMicros() {
        return 0;
    }

    /**
     * Decode only key frames from the next packet on ({@code true}), or every frame again; false when this reader
     * does not (it cannot, or the worker's {@code decode.key_frames_only} is {@code never}).
     */
    default boolean keyFramesOnly(boolean on) {
        return false;
    }

    /**
     * Packets of the stream, since it opened, that went to a decoder and will never be pictures: refused as corrupt,
     * or lost in a decoder shared with other cameras; 0 where the reader cannot tell (JavaCV's grabber hides them).
     */
    default long undecodable() {
        return 0;
    }

    @Override
    void close();

    /**
     * A decoded frame's media time and, if it was wanted and kept, its BGR image: a copy the caller owns, perhaps
     * scaled down from the stream's {@code sourceWidth} x {@code sourceHeight} (see {@link AnalysisSize}). Without an
     * image, {@code dropped} says why: {@link DropReason#SAMPLED_OUT} or {@link DropReason#NO_MOTION}.
     */
    record DecodedImage(org.bytedeco.opencv.opencv_core.Mat image, long ptsMicros, int sourceWidth, int sourceHeight,
                        DropReason dropped) {
        public DecodedImage(org.bytedeco.opencv.opencv_core.Mat image, long ptsMicros, int sourceWidth,
                            int sourceHeight) {
            this(image, ptsMicros, sourceWidth, sourceHeight, image == null ? DropReason.SAMPLED_OUT : null);
        }

        /** An image at the stream's own size, or a sampled-out frame. */
        public DecodedImage(org.bytedeco.opencv.opencv_core.Mat image, long ptsMicros) {
            this(image, ptsMicros, image == null ? 0 : image.cols(), image == null ? 0 : image.rows());
        }

        /** A wanted frame that {@code filter} did not keep. */
        static DecodedImage notKept(long ptsMicros, int sourceWidth, int sourceHeight) {
            return new DecodedImage(null, ptsMicros, sourceWidth, sourceHeight, DropReason.NO_MOTION);
        }

        /**
         * Decoded but never converted: the old size's last picture at a resolution change, which the converter would
         * read at the new size. Counted as sampled out (one frame a change).
         */
        static DecodedImage unconvertible(long ptsMicros, int sourceWidth, int sourceHeight) {
            return new DecodedImage(null, ptsMicros, sourceWidth, sourceHeight, DropReason.SAMPLED_OUT);
        }

        /** Whether it comes without an image (sampled out or not kept). */
        public boolean skipped() {
            return image == null;
        }

        /** This image if {@code filter} keeps it, else a frame without one (the image is freed). */
        DecodedImage filtered(PictureFilter filter) {
            if (!filter.active()) {
                return this;
            }
            boolean keep;
            try {
                keep = filter.keep(PictureFilter.Picture.bgr(image, ptsMicros, sourceWidth, sourceHeight));
            } catch (RuntimeException e) {
                image.close(); // nobody else has it
                throw e;
            }
            if (keep) {
                return this;
            }
            image.close();
            return notKept(ptsMicros, sourceWidth, sourceHeight);
        }
    }

    /** Opens readers; blocking. */
    @FunctionalInterface
    interface Opener {
        StreamReader open(io.camflux.engine.config.SourceConfig source) throws Exception;
    }
}

package io.camflux.engine.source;

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

    /** For files: back to the start, for looping. */
    void rewind() throws Exception;

    /** The stream's nominal frame rate, 0 when unknown. */
    double frameRate();

    /** The decoder in use, e.g. {@code h264} or {@code h264 (nvdec)}. */
    String decoderName();

    @Override
    void close();

    /**
     * A decoded frame's media time and, if it was wanted, its BGR image: a copy the caller owns, perhaps scaled down
     * from the stream's {@code sourceWidth} x {@code sourceHeight} (see {@link AnalysisSize}).
     */
    record DecodedImage(org.bytedeco.opencv.opencv_core.Mat image, long ptsMicros, int sourceWidth, int sourceHeight) {
        /** An image at the stream's own size, or a skipped frame. */
        public DecodedImage(org.bytedeco.opencv.opencv_core.Mat image, long ptsMicros) {
            this(image, ptsMicros, image == null ? 0 : image.cols(), image == null ? 0 : image.rows());
        }

        public boolean skipped() {
            return image == null;
        }
    }

    /** Opens readers; blocking. */
    @FunctionalInterface
    interface Opener {
        StreamReader open(io.camflux.engine.config.SourceConfig source) throws Exception;
    }
}

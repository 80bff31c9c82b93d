package io.camflux.engine.source;

/**
 * One open connection to a camera, read on the camera's own thread. Blocking.
 */
public interface StreamReader extends AutoCloseable {

    /** The next decoded frame, or null at the end of the stream. */
    DecodedImage next() throws Exception;

    /** For files: back to the start, for looping. */
    void rewind() throws Exception;

    /** The stream's nominal frame rate, 0 when unknown. */
    double frameRate();

    @Override
    void close();

    /** A decoded image and its media time; the image is a copy the caller owns. */
    record DecodedImage(org.bytedeco.opencv.opencv_core.Mat image, long ptsMicros) {
    }

    /** Opens readers; blocking. */
    @FunctionalInterface
    interface Opener {
        StreamReader open(io.camflux.engine.config.SourceConfig source) throws Exception;
    }
}

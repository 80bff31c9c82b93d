package io.camflux.engine.testing;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import io.camflux.engine.source.StreamReader;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

/** A fast stand-in for FFmpeg in unit tests: small solid frames at a fixed rate, for a fixed count. */
public final class SyntheticStreams {
    private SyntheticStreams() {
    }

    /** Frames of 64x48 every {@code intervalMicros} of media time, produced as fast as asked (no pacing). */
    public static StreamReader.Opener opener(long frames, long intervalMicros, long sleepMicrosPerFrame) {
        return source -> new StreamReader() {
            long next;

            @Override
            public DecodedImage next(LongPredicate wanted) throws InterruptedException {
                if (next >= frames) {
                    return null;
                }
                if (sleepMicrosPerFrame > 0) {
                    TimeUnit.MICROSECONDS.sleep(sleepMicrosPerFrame);
                }
                long pts = next++ * intervalMicros;
                if (!wanted.test(pts)) {
                    return new DecodedImage(null, pts);
                }
                try (Scalar color = new Scalar(next % 255, 0, 0, 0)) {
                    return new DecodedImage(new Mat(48, 64, CV_8UC3, color), pts);
                }
            }

            @Override
            public void rewind() {
                next = 0;
            }

            @Override
            public double frameRate() {
                return 1e6 / intervalMicros;
            }

            @Override
            public String decoderName() {
                return "synthetic";
            }

            @Override
            public void close() {
            }
        };
    }
}

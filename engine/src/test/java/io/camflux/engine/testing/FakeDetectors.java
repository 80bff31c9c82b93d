package io.camflux.engine.testing;

import io.camflux.engine.FrameDetector;
import io.camflux.model.Detection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.opencv.opencv_core.Mat;

/** Detectors for pipeline tests: a fixed cost per batch, one person per frame. */
public final class FakeDetectors {
    private FakeDetectors() {
    }

    /** One detection per frame, after {@code millis} per batch (whatever its size). */
    public static FrameDetector fixedCost(long millis) {
        return images -> {
            TimeUnit.MILLISECONDS.sleep(millis);
            List<List<Detection>> out = new ArrayList<>();
            for (Mat ignored : images) {
                out.add(List.of(new Detection(0, "person", 0.9f, 1, 2, 3, 4)));
            }
            return out;
        };
    }
}

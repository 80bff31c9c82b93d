package io.camflux.bench;

import io.camflux.engine.tracking.Tracker;
import io.camflux.model.Detection;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The tracker's cost per frame with N objects walking (constant velocity, jittered boxes, a few low-score ones):
 * {@code java -jar bench/target/camflux-bench.jar jmh TrackerBenchmark}. The target: <= 50 us with 20.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class TrackerBenchmark {
    @Param({"5", "20", "50"})
    int objects;

    private static final int FRAMES = 600;
    private final List<List<Detection>> frames = new ArrayList<>();
    private Tracker tracker;
    private int frame;

    @Setup
    public void setUp() {
        Random r = new Random(11);
        double[][] walkers = new double[objects][4];
        for (double[] w : walkers) {
            w[0] = r.nextDouble() * 1800;
            w[1] = 200 + r.nextDouble() * 700;
            w[2] = (r.nextDouble() - 0.5) * 12;
            w[3] = (r.nextDouble() - 0.5) * 4;
        }
        for (int f = 0; f < FRAMES; f++) {
            List<Detection> boxes = new ArrayList<>();
            for (double[] w : walkers) {
                double cx = w[0] + w[2] * f + r.nextGaussian() * 2, cy = w[1] + w[3] * f + r.nextGaussian() * 2;
                float score = r.nextDouble() < 0.1 ? 0.3f : 0.6f + 0.3f * r.nextFloat();
                boxes.add(new Detection(0, "person", score, (float) (cx - 20), (float) (cy - 50), (float) (cx + 20),
                        (float) (cy + 50)));
            }
            frames.add(boxes);
        }
        tracker = new Tracker(Tracker.Settings.DEFAULT);
    }

    @Benchmark
    public Tracker.Update update() {
        if (frame == FRAMES) {
            frame = 0;
            tracker = new Tracker(Tracker.Settings.DEFAULT);
        }
        List<Detection> boxes = frames.get(frame);
        // a replay starts a fresh tracker at time 0, as a camera that connected again would
        return tracker.update(boxes, frame++ / 6.0);
    }
}

package io.camflux.bench;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import io.camflux.engine.DetectionEvent;
import io.camflux.engine.event.EventJson;
import io.camflux.model.Detection;
import io.camflux.model.Labels;
import io.camflux.model.Letterbox;
import io.camflux.model.ModelFormat;
import io.camflux.model.Preprocessor;
import io.camflux.model.YoloDecoder;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-frame work around the model on the CPU: letterboxing a decoded frame into the input tensor, decoding
 * and suppressing YOLOX-Nano's output, and writing the event JSON.
 * {@code java -jar bench/target/camflux-bench.jar jmh HotPathBenchmarks}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class HotPathBenchmarks {
    @Param({"1280x720", "1920x1080"})
    public String frameSize;

    private Mat frame;
    private Preprocessor preprocessor;
    private ByteBuffer input;
    private YoloDecoder decoder;
    private FloatBuffer output;
    private Letterbox letterbox;
    private DetectionEvent event;

    @Setup(Level.Trial)
    public void setUp() {
        String[] wh = frameSize.split("x");
        int w = Integer.parseInt(wh[0]), h = Integer.parseInt(wh[1]);
        frame = new Mat(h, w, CV_8UC3);
        opencv_core.randu(frame, new Mat(1, 1, opencv_core.CV_64F, new org.bytedeco.javacpp.DoublePointer(0.0)),
                new Mat(1, 1, opencv_core.CV_64F, new org.bytedeco.javacpp.DoublePointer(255.0)));
        preprocessor = new Preprocessor(416, 416, ModelFormat.YOLOX);
        input = ByteBuffer.allocateDirect(preprocessor.slotBytes());

        int anchors = 3549, cols = 85;
        float[] raw = new float[anchors * cols];
        Random random = new Random(42);
        for (int a = 0; a < anchors; a++) {
            for (int c = 0; c < cols; c++) {
                raw[a * cols + c] = random.nextFloat() * 0.2f;
            }
            if (a % 300 == 0) {
                raw[a * cols + 4] = 0.9f;
                raw[a * cols + 5] = 0.8f;
            }
        }
        output = FloatBuffer.wrap(raw);
        decoder = new YoloDecoder(ModelFormat.YOLOX, 416, 416, anchors, cols, 0.35f, 0.45f, Labels.coco(), c -> true);
        letterbox = Letterbox.of(w, h, 416, 416, false);
        List<DetectionEvent.Detected> found = new ArrayList<>();
        for (Detection d : decoder.decode(output, 0, letterbox)) {
            found.add(new DetectionEvent.Detected(d.className(), d.classId(), d.confidence(),
                    new DetectionEvent.Box(d.x1(), d.y1(), d.x2(), d.y2())));
        }
        event = new DetectionEvent(Instant.now(), "runner", "shard", "tenant", "site", "cam-001", 42, 6.0, "default", found,
                new DetectionEvent.Latency(0.012, 0.05));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        frame.close();
        preprocessor.close();
    }

    @Benchmark
    public Letterbox letterboxIntoInput() {
        return preprocessor.fill(frame, input, 0);
    }

    @Benchmark
    public List<Detection> decodeAndNms() {
        return decoder.decode(output, 0, letterbox);
    }

    @Benchmark
    public String eventJson() {
        return EventJson.detection(event);
    }
}

package io.camflux.bench;

import io.camflux.engine.config.MotionConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.motion.MotionDetector;
import io.camflux.engine.source.FfmpegStreamReader;
import io.camflux.engine.source.StreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * The motion gate's cost per frame against the cost of decoding that frame the way the engine does (FFmpeg
 * H.264 decode, BGR conversion, the owned copy), on the same 720p and 1080p clips (scripts/prepare-media.sh).
 * {@code java -Dcamflux.media.dir=.cache/media -jar bench/target/camflux-bench.jar jmh MotionGateBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class MotionGateBenchmark {
    @Param({"vtest-720p.mp4", "vtest-1080p.mp4"})
    public String clip;

    private final List<Mat> frames = new ArrayList<>();
    private MotionDetector detector;
    private FfmpegStreamReader reader;
    private int next;

    private static SourceConfig source(Path file) {
        return new SourceConfig("bench", file.toString(), "s", "t", "tcp", true, false, Duration.ofSeconds(5), List.of());
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path file = Path.of(System.getProperty("camflux.media.dir", ".cache/media")).resolve(clip);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: run scripts/prepare-media.sh");
        }
        try (FfmpegStreamReader warm = FfmpegStreamReader.open(source(file))) {
            for (int i = 0; i < 100; i++) {
                frames.add(warm.next(pts -> true).image());
            }
        }
        detector = new MotionDetector(MotionConfig.defaults(true), List.of(), "bench");
        reader = FfmpegStreamReader.open(source(file));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        frames.forEach(Mat::close);
        detector.close();
        reader.close();
    }

    @Benchmark
    public double motionGate() {
        return detector.movingArea(frames.get(next++ % frames.size()));
    }

    @Benchmark
    public long decodeFrame() throws Exception {
        StreamReader.DecodedImage image = reader.next(pts -> true);
        if (image == null) {
            reader.rewind();
            image = reader.next(pts -> true);
        }
        image.image().close();
        return image.ptsMicros();
    }
}

package io.camflux.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The default model (YOLOX-Nano) on real decoded frames of people walking. */
class OnnxDetectorTest {
    private static final List<Mat> frames = new ArrayList<>();

    @BeforeAll
    static void decodeFrames() throws Exception {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(TestAssets.media("vtest.mp4").toFile());
             OpenCVFrameConverter.ToMat toMat = new OpenCVFrameConverter.ToMat()) {
            grabber.start();
            for (int second : new int[] {5, 20, 35, 50}) {
                grabber.setTimestamp(second * 1_000_000L);
                Frame frame = grabber.grabImage();
                frames.add(toMat.convert(frame).clone());
            }
        }
    }

    @AfterAll
    static void release() {
        frames.forEach(Mat::close);
    }

    @Test
    void findsPeopleWithPlausibleBoxes() throws Exception {
        try (OnnxDetector detector = OnnxDetector.open(TestAssets.defaultModel(), DetectorSettings.defaults())) {
            assertEquals(ModelFormat.YOLOX, detector.format());
            assertTrue(detector.fusedGraph(), "the default model takes pixels and decodes in the graph");
            assertEquals(0, detector.fixedBatch(), "its declared batch of 1 was made symbolic");
            assertEquals(ExecutionProvider.CPU, detector.provider());
            List<List<Detection>> results = detector.detect(frames);
            assertEquals(frames.size(), results.size());
            for (int i = 0; i < frames.size(); i++) {
                List<Detection> people = results.get(i).stream().filter(d -> d.className().equals("person")).toList();
                assertTrue(people.size() >= 2, "frame " + i + ": at least two people, got " + results.get(i));
                for (Detection p : people) {
                    assertTrue(p.x1() >= 0 && p.y1() >= 0 && p.x2() <= 768 && p.y2() <= 576, p.toString());
                    assertTrue(p.height() > 20 && p.height() < 400, "a walker's height in pixels: " + p);
                    assertTrue(p.height() > p.width(), "people stand upright: " + p);
                    assertTrue(p.confidence() >= 0.35f && p.confidence() <= 1f, p.toString());
                }
            }
        }
    }

    @Test
    void theModelRunAtASmallerInputSizeFindsTheSamePeopleForLessWork() throws Exception {
        DetectorSettings cpu = DetectorSettings.defaults().withProvider(ExecutionProvider.CPU);
        try (OnnxDetector declared = OnnxDetector.open(TestAssets.defaultModel(), cpu);
             OnnxDetector small = OnnxDetector.open(TestAssets.defaultModel(), cpu.withInputSize(320, 256))) {
            assertEquals(416, declared.inputWidth());
            assertEquals(320, small.inputWidth());
            assertEquals(256, small.inputHeight());
            assertTrue(small.fusedGraph(), "the resized model is fused like the declared one");
            List<List<Detection>> big = declared.detect(frames);
            List<List<Detection>> found = small.detect(frames);
            for (int i = 0; i < frames.size(); i++) {
                List<Detection> people = found.get(i).stream().filter(d -> d.className().equals("person")).toList();
                assertTrue(people.size() >= 1, "frame " + i + ": people at 320x256 too, got " + found.get(i));
                int alsoFoundLarge = 0;
                for (Detection p : people) {
                    assertTrue(p.x2() <= 768 && p.y2() <= 576, "boxes in source pixels: " + p);
                    if (big.get(i).stream().mapToDouble(b -> iou(b, p)).max().orElse(0) > 0.5) {
                        alsoFoundLarge++;
                    }
                }
                // fewer pixels merge neighbours now and then; most boxes are still the declared size's
                assertTrue(2 * alsoFoundLarge >= people.size(), "frame " + i + ": " + people + " against " + big.get(i));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> cpu.withInputSize(300, 300), "not a multiple of 32");
    }

    private static double iou(Detection a, Detection b) {
        double w = Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1());
        double h = Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1());
        double inter = w > 0 && h > 0 ? w * h : 0;
        return inter / (a.width() * a.height() + b.width() * b.height() - inter);
    }

    @Test
    void batchEqualsOneByOneAndFilterKeepsOnlyWantedClasses() throws Exception {
        DetectorSettings onlyCars = new DetectorSettings(ExecutionProvider.CPU, 0, 0.35f, 0.45f, Set.of("car"), null,
                null, 1);
        try (OnnxDetector all = OnnxDetector.open(TestAssets.defaultModel(), DetectorSettings.defaults());
             OnnxDetector cars = OnnxDetector.open(TestAssets.defaultModel(), onlyCars)) {
            List<List<Detection>> batch = all.detect(frames);
            for (int i = 0; i < frames.size(); i++) {
                assertEquals(batch.get(i), all.detect(List.of(frames.get(i))).get(0));
            }
            assertFalse(batch.stream().allMatch(List::isEmpty));
            assertTrue(cars.detect(frames).stream().flatMap(List::stream).allMatch(d -> d.className().equals("car")));
        }
    }

    @Test
    void batchesPaddedToTheMaximumFindWhatExactBatchesFind() throws Exception {
        DetectorSettings cpu = DetectorSettings.defaults().withProvider(ExecutionProvider.CPU);
        DetectorSettings padded = cpu.withBatchShapes(new BatchShapes(BatchShapes.Policy.MAX, 4));
        for (boolean fusedGraph : new boolean[] {true, false}) {
            try (OnnxDetector exact = OnnxDetector.open(TestAssets.defaultModel(), cpu.withFusedGraph(fusedGraph));
                 OnnxDetector max = OnnxDetector.open(TestAssets.defaultModel(), padded.withFusedGraph(fusedGraph))) {
                assertEquals(BatchShapes.Policy.EXACT, exact.batchShapes().policy(), "auto means exact shapes on the CPU");
                assertEquals(BatchShapes.Policy.MAX, max.batchShapes().policy());
                for (int n = 1; n <= 3; n++) {
                    List<Mat> some = frames.subList(0, n);
                    List<List<Detection>> a = max.detect(some);
                    assertEquals(n, a.size(), n + " images run as 4; the padding rows give no result");
                    assertEquals(exact.detect(some), a, "fused graph " + fusedGraph + ", " + n + " images");
                }
                assertEquals(exact.detect(frames), max.detect(frames));
            }
        }
    }

    @Test
    void cudaRequestFallsBackToCpuOnACpuBuild() throws Exception {
        DetectorSettings cuda = new DetectorSettings(ExecutionProvider.CUDA, 0, 0.35f, 0.45f, Set.of(), null, null, 0);
        try (OnnxDetector detector = OnnxDetector.open(TestAssets.defaultModel(), cuda)) {
            assertEquals(ExecutionProvider.CPU, detector.provider());
            assertFalse(detector.detect(List.of(frames.get(0))).get(0).isEmpty());
        }
    }

    @Test
    void fusedGraphFindsWhatTheUnmodifiedModelAndJavaDecoderFind() throws Exception {
        DetectorSettings cpu = DetectorSettings.defaults().withProvider(ExecutionProvider.CPU);
        try (OnnxDetector fused = OnnxDetector.open(TestAssets.defaultModel(), cpu);
             OnnxDetector unmodified = OnnxDetector.open(TestAssets.defaultModel(), cpu.withFusedGraph(false))) {
            assertTrue(fused.fusedGraph());
            assertFalse(unmodified.fusedGraph());
            List<List<Detection>> a = fused.detect(frames);
            List<List<Detection>> b = unmodified.detect(frames);
            int compared = 0;
            for (int i = 0; i < frames.size(); i++) {
                assertEquals(b.get(i).size(), a.get(i).size(), "frame " + i + ": " + a.get(i) + " vs " + b.get(i));
                for (int k = 0; k < a.get(i).size(); k++) {
                    Detection x = a.get(i).get(k), y = b.get(i).get(k);
                    assertEquals(y.classId(), x.classId());
                    assertEquals(y.confidence(), x.confidence(), 1e-4);
                    assertTrue(x.iou(y) > 0.999, x + " vs " + y);
                    compared++;
                }
            }
            assertTrue(compared >= 8, "compared " + compared + " detections");
        }
    }

    @Test
    void overlappingStagesGiveTheSameResultsAsDetect() throws Exception {
        try (OnnxDetector detector = OnnxDetector.open(TestAssets.defaultModel(),
                DetectorSettings.defaults().withProvider(ExecutionProvider.CPU))) {
            List<List<Detection>> whole = detector.detect(frames);
            DetectorBatch first = detector.prepare(frames.subList(0, 2));
            DetectorBatch second = detector.prepare(frames.subList(2, 4));
            detector.infer(second);
            detector.infer(first);
            List<List<Detection>> staged = new ArrayList<>(detector.decode(first));
            staged.addAll(detector.decode(second));
            assertEquals(whole, staged);
        }
    }

    @Test
    void twoInstancesRunTwoBatchesAtOnceWithTheSameResults() throws Exception {
        DetectorSettings cpu = DetectorSettings.defaults().withProvider(ExecutionProvider.CPU);
        for (boolean fusedGraph : new boolean[] {true, false}) {
            try (OnnxDetector one = OnnxDetector.open(TestAssets.defaultModel(),
                         cpu.withFusedGraph(fusedGraph).withInstances(1));
                 OnnxDetector two = OnnxDetector.open(TestAssets.defaultModel(), cpu.withFusedGraph(fusedGraph))) {
                assertEquals(1, one.instances());
                assertEquals(2, two.instances(), "two sessions by default");
                List<List<Detection>> expected = one.detect(frames);
                DetectorBatch first = two.prepare(frames.subList(0, 2));
                DetectorBatch second = two.prepare(frames.subList(2, 4));
                CyclicBarrier bothStarted = new CyclicBarrier(2);
                ExecutorService threads = Executors.newFixedThreadPool(2);
                try {
                    List<Future<DetectorBatch>> runs = new ArrayList<>();
                    for (DetectorBatch batch : List.of(first, second)) {
                        runs.add(threads.submit(() -> {
                            bothStarted.await(10, TimeUnit.SECONDS);
                            return two.infer(batch);
                        }));
                    }
                    for (Future<DetectorBatch> run : runs) {
                        run.get(60, TimeUnit.SECONDS);
                    }
                } finally {
                    threads.shutdownNow();
                }
                List<List<Detection>> together = new ArrayList<>(two.decode(first));
                together.addAll(two.decode(second));
                assertEquals(expected, together, "fused graph " + fusedGraph);
            }
        }
    }

    @Test
    void instancesOutsideOneToEightAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DetectorSettings.defaults().withInstances(0));
        assertTrue(e.getMessage().contains("model.instances"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DetectorSettings.defaults().withInstances(9));
    }

    @Test
    void unknownClassInFilterIsAClearError() {
        DetectorSettings bad = new DetectorSettings(ExecutionProvider.CPU, 0, 0.35f, 0.45f, Set.of("unicorn"), null,
                null, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxDetector.open(TestAssets.defaultModel(), bad).close());
        assertTrue(e.getMessage().contains("unicorn"), e.getMessage());
    }
}

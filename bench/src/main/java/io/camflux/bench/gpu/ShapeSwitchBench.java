package io.camflux.bench.gpu;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import io.camflux.model.BatchShapes;
import io.camflux.model.DetectorSettings;
import io.camflux.model.ExecutionProvider;
import io.camflux.model.OnnxDetector;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * {@code java -jar camflux-bench.jar shapes --model FILE [--provider cuda] [--sizes 32,32,32,16,16,3,3,32]
 * [--rounds 2]}: what one session's runs cost when the batch size changes from run to run. Every size is run once
 * first (the first run at a shape); then the sequence, timed run by run, {@code rounds} times, each round on a new
 * thread. This is what showed that on CUDA a change of shape costs seconds even at sizes run before, which is why
 * {@link BatchShapes} pads every batch to one size there.
 */
public final class ShapeSwitchBench {
    private ShapeSwitchBench() {
    }

    public static void main(String[] args) throws Exception {
        Path model = null;
        ExecutionProvider provider = ExecutionProvider.CUDA;
        List<Integer> sizes = List.of(32, 32, 32, 16, 16, 3, 3, 32);
        int rounds = 2;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[i + 1]);
                case "--provider" -> provider = ExecutionProvider.parse(args[i + 1]);
                case "--sizes" -> sizes = Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (model == null) {
            throw new IllegalArgumentException("usage: shapes --model FILE [--provider cuda|cpu] [--sizes LIST] [--rounds N]");
        }
        DetectorSettings settings = DetectorSettings.defaults().withProvider(provider).withInstances(1)
                .withBatchShapes(BatchShapes.exact());
        try (OnnxDetector detector = OnnxDetector.open(model, settings);
             Scalar gray = new Scalar(128, 128, 128, 0);
             Mat frame = new Mat(720, 1280, CV_8UC3, gray)) {
            System.out.printf("provider %s; first run at each size:", detector.provider());
            for (int size : sizes.stream().distinct().sorted().toList()) {
                System.out.printf(Locale.ROOT, " %d: %.1f ms", size, timedRun(detector, frame, size));
            }
            System.out.println();
            for (int round = 0; round < rounds; round++) {
                List<Integer> sequence = sizes;
                double[] ms = new double[sequence.size()];
                Thread t = new Thread(() -> {
                    for (int i = 0; i < sequence.size(); i++) {
                        ms[i] = timedRun(detector, frame, sequence.get(i));
                    }
                }, "shapes-" + round);
                t.start();
                t.join();
                StringBuilder row = new StringBuilder("round " + round + ", thread " + t.getName() + ":");
                for (int i = 0; i < sequence.size(); i++) {
                    row.append(String.format(Locale.ROOT, " %d: %.1f ms", sequence.get(i), ms[i]));
                }
                System.out.println(row);
            }
        }
    }

    private static double timedRun(OnnxDetector detector, Mat frame, int size) {
        long start = System.nanoTime();
        try {
            detector.detect(Collections.nCopies(size, frame));
        } catch (ai.onnxruntime.OrtException e) {
            throw new IllegalStateException(e);
        }
        return (System.nanoTime() - start) / 1e6;
    }
}

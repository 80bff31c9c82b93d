package io.camflux.bench.gpu;

import io.camflux.engine.config.DecodeConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.config.VideoDecoder;
import io.camflux.engine.source.AnalysisSize;
import io.camflux.engine.source.DecoderBackend;
import io.camflux.engine.source.StreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Whether NVDEC's pictures are the CPU decoder's: the same clip decoded by the CPU reader and by each NVDEC path
 * (CUVID scaling in NVDEC, {@link NvdecStreamReader#RESIZE_PROPERTY}; CUVID whole with swscale; the hwaccel; NVDEC
 * driven directly, scaled and whole), every
 * 10th of the first 200 frames kept at the analysis size of the default detector, and compared with the CPU's
 * picture of the same media time: the image size, the source size it stands for, and the mean absolute difference per
 * BGR channel (scalers differ by a few levels; a wrong plane, offset or size shows as tens).
 */
final class PictureCheck {
    private static final AnalysisSize SIZE = new AnalysisSize(416, 416, 0);
    private static final int FRAMES = 200;
    private static final int EVERY = 10;

    private PictureCheck() {
    }

    static String run(Path file, DecodeConfig decode) throws Exception {
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "# Kept pictures of %s, NVDEC against the CPU decoder%n%n`java -jar camflux-bench.jar decode --file %s"
                        + " --check`%n%n| path | decoder | pictures | image | stands for | mean abs diff B / G / R, worst"
                        + " picture |%n|---|---|---:|---|---|---|%n", file.getFileName(), file.getFileName()));
        Map<Long, Mat> reference = pictures(file, VideoDecoder.CPU, decode, report, "CPU (reference)");
        try {
            for (String[] path : List.of(new String[] {"cuvid", "true", "CUVID, scaled by NVDEC"},
                    new String[] {"cuvid", "false", "CUVID whole, swscale"},
                    new String[] {"hwaccel", "false", "hwaccel whole, swscale"},
                    new String[] {"direct", "true", "direct (nvcuvid), scaled by NVDEC"},
                    new String[] {"direct", "false", "direct (nvcuvid) whole, OpenCV"})) {
                DecodeConfig.Nvdec nvdecPath = decode.nvdec().withDecoder(DecodeConfig.Decoder.parse(path[0]))
                        .withResize(Boolean.parseBoolean(path[1]));
                Map<Long, Mat> nvdec = pictures(file, VideoDecoder.NVDEC, decode.withNvdec(nvdecPath), report, path[2]);
                double[] worst = new double[3];
                int compared = 0;
                try {
                    for (var e : nvdec.entrySet()) {
                        Mat expected = reference.get(e.getKey());
                        Mat got = e.getValue();
                        if (expected == null || expected.cols() != got.cols() || expected.rows() != got.rows()) {
                            continue;
                        }
                        try (Mat diff = new Mat()) {
                            opencv_core.absdiff(got, expected, diff);
                            Scalar mean = opencv_core.mean(diff);
                            for (int c = 0; c < 3; c++) {
                                worst[c] = Math.max(worst[c], mean.get(c));
                            }
                            compared++;
                        }
                    }
                } finally {
                    nvdec.values().forEach(Mat::close);
                }
                report.append(String.format(Locale.ROOT, " %s |%n", compared == 0 ? "nothing to compare"
                        : String.format(Locale.ROOT, "%.2f / %.2f / %.2f (%d compared)", worst[0], worst[1], worst[2],
                        compared)));
            }
        } finally {
            reference.values().forEach(Mat::close);
        }
        System.out.print(report);
        return report.toString();
    }

    /** Every {@link #EVERY}-th of the first {@link #FRAMES} pictures by media time; appends the row's first cells. */
    private static Map<Long, Mat> pictures(Path file, VideoDecoder decoder, DecodeConfig decode, StringBuilder report,
                                           String label) throws Exception {
        Map<Long, Mat> kept = new TreeMap<>();
        String sizes = "-", stands = "-";
        boolean done = false;
        try (DecoderBackend backend = new DecoderBackend(decode);
             StreamReader reader = backend.open(new SourceConfig("check", file.toString(), "bench", "bench",
                     "tcp", true, false, Duration.ofSeconds(10), List.of(), decoder), SIZE)) {
            long[] n = {0};
            for (int i = 0; i < FRAMES; i++) {
                StreamReader.DecodedImage d = reader.next(pts -> n[0]++ % EVERY == 0);
                if (d == null) {
                    break;
                }
                if (!d.skipped()) {
                    Mat replaced = kept.put(d.ptsMicros(), d.image());
                    if (replaced != null) {
                        replaced.close(); // a repeated media time: the later picture stands
                    }
                    sizes = d.image().cols() + "x" + d.image().rows();
                    stands = d.sourceWidth() + "x" + d.sourceHeight();
                }
            }
            report.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s |", label, reader.decoderName(),
                    kept.size(), sizes, stands));
            done = true;
        } finally {
            if (!done) {
                kept.values().forEach(Mat::close); // the caller never got them
            }
        }
        if (decoder == VideoDecoder.CPU) {
            report.append(" - |\n");
        }
        return kept;
    }
}

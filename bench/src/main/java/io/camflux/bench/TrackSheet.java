package io.camflux.bench;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.source.FfmpegStreamReader;
import io.camflux.engine.source.StreamReader;
import io.camflux.engine.tracking.Tracker;
import io.camflux.model.BuiltinModel;
import io.camflux.model.Detection;
import io.camflux.model.DetectorSettings;
import io.camflux.model.ModelResolver;
import io.camflux.model.OnnxDetector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * {@code java -jar camflux-bench.jar tracks --clip FILE [--fps 6] [--frames 36] [--every 3] [--out sheet.png]}: the
 * default model and the engine's tracker on a clip sampled at {@code fps}; every {@code every}-th frame drawn with its
 * boxes and track ids into a contact sheet, and each frame's ids printed, to check identities frame by frame.
 */
public final class TrackSheet {
    private TrackSheet() {
    }

    public static void main(String[] args) throws Exception {
        Path clip = null, out = Path.of("tracks.png");
        double fps = 6;
        int frames = 36, every = 3;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--clip" -> clip = Path.of(args[i + 1]);
                case "--fps" -> fps = Double.parseDouble(args[i + 1]);
                case "--frames" -> frames = Integer.parseInt(args[i + 1]);
                case "--every" -> every = Integer.parseInt(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (clip == null) {
            throw new IllegalArgumentException("usage: tracks --clip FILE [--fps 6] [--frames 36] [--every 3] [--out PNG]");
        }
        List<Mat> tiles = new ArrayList<>();
        try {
            sheet(clip, Math.round(1e6 / fps), frames, every, out, tiles);
        } finally {
            tiles.forEach(Mat::close);
        }
        System.out.println("wrote " + out);
    }

    /** Detects and tracks the clip's frames into {@code tiles} (the caller closes them), then writes the sheet. */
    private static void sheet(Path clip, long interval, int frames, int every, Path out, List<Mat> tiles)
            throws Exception {
        Tracker tracker = new Tracker(Tracker.Settings.DEFAULT);
        try (OnnxDetector detector = OnnxDetector.open(ModelResolver.fromEnvironment().resolve(BuiltinModel.DEFAULT),
                DetectorSettings.defaults());
             StreamReader reader = FfmpegStreamReader.open(new SourceConfig("sheet", clip.toString(), "b", "b", "tcp",
                     false, false, Duration.ofSeconds(10), List.of()))) {
            long[] due = {0};
            for (int n = 0; n < frames; ) {
                StreamReader.DecodedImage d = reader.next(pts -> pts >= due[0]);
                if (d == null) {
                    break;
                }
                if (d.skipped()) {
                    continue;
                }
                due[0] = d.ptsMicros() + interval;
                try (Mat image = d.image()) {
                    List<Detection> found = detector.detect(List.of(image)).get(0);
                    long[] ids = tracker.update(found, d.ptsMicros() / 1e6).trackIds();
                    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "frame %2d  %5.2f s:", n,
                            d.ptsMicros() / 1e6));
                    for (int i = 0; i < found.size(); i++) {
                        Detection b = found.get(i);
                        if (!b.className().equals("person")) {
                            continue;
                        }
                        line.append(String.format(Locale.ROOT, "  #%s@%d", ids[i] == 0 ? "-" : Long.toString(ids[i]),
                                Math.round((b.x1() + b.x2()) / 2)));
                        if (n % every == 0) {
                            draw(image, b, ids[i]);
                        }
                    }
                    System.out.println(line);
                    if (n % every == 0) {
                        try (Scalar white = new Scalar(255, 255, 255, 0); Point at = new Point(8, 24)) {
                            putText(image, String.format(Locale.ROOT, "frame %d  %.2f s", n, d.ptsMicros() / 1e6),
                                    at, FONT_HERSHEY_SIMPLEX, 0.7, white, 2, LINE_AA, false);
                        }
                        Mat tile = new Mat();
                        resize(image, tile, new Size(image.cols() / 2, image.rows() / 2));
                        tiles.add(tile);
                    }
                }
                n++;
            }
        }
        if (tiles.isEmpty()) {
            throw new IllegalArgumentException("no frame of " + clip + " was decoded");
        }
        int columns = 3, rows = (tiles.size() + columns - 1) / columns;
        int w = tiles.get(0).cols(), h = tiles.get(0).rows();
        try (Mat sheet = new Mat(rows * h, columns * w, CV_8UC3, new Scalar(0, 0, 0, 0))) {
            for (int i = 0; i < tiles.size(); i++) {
                try (Mat cell = sheet.apply(new Rect((i % columns) * w, (i / columns) * h, w, h))) {
                    tiles.get(i).copyTo(cell);
                }
            }
            imwrite(out.toString(), sheet);
        }
    }

    private static void draw(Mat image, Detection b, long id) {
        Scalar colour = id == 0 ? new Scalar(160, 160, 160, 0)
                : new Scalar(37 * id % 200 + 55, 91 * id % 200 + 55, 53 * id % 200 + 55, 0);
        try (Point a = new Point(Math.round(b.x1()), Math.round(b.y1()));
             Point c = new Point(Math.round(b.x2()), Math.round(b.y2()));
             Point label = new Point(Math.round(b.x1()), Math.max(14, Math.round(b.y1()) - 4))) {
            rectangle(image, a, c, colour, 2, LINE_AA, 0);
            putText(image, id == 0 ? "?" : "#" + id, label, FONT_HERSHEY_SIMPLEX, 0.6, colour, 2, LINE_AA, false);
        }
        colour.close();
    }
}

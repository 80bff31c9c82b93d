package io.camflux.engine.status;

import static org.bytedeco.opencv.global.opencv_core.addWeighted;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.fillPoly;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

import io.camflux.engine.DetectionEvent;
import io.camflux.engine.LastInference;
import io.camflux.engine.config.Polygon;
import io.camflux.engine.source.VideoFrame;
import io.camflux.model.Detection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * What the status page shows of each camera's last inferred frame: its detections, kept for every frame (a list
 * reference), and a JPEG snapshot with the boxes and the motion mask drawn, rendered only when someone asks for one:
 * the next inferred frame of that camera is copied and drawn while its owner still holds it, before it is released.
 */
public final class Snapshots {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Snapshots.class);
    private final Map<String, LastInference> latest = new ConcurrentHashMap<>();
    private final Map<String, Queue<Sinks.One<byte[]>>> waiting = new ConcurrentHashMap<>();

    /** The camera's last inferred frame, or null before its first. */
    public LastInference latest(String cameraUuid) {
        return latest.get(cameraUuid);
    }

    /** Forgets a camera that left the set (and answers its waiting requests with nothing). */
    public void forget(String cameraUuid) {
        latest.remove(cameraUuid);
        Queue<Sinks.One<byte[]>> q = waiting.remove(cameraUuid);
        if (q != null) {
            q.forEach(Sinks.One::tryEmitEmpty);
        }
    }

    /**
     * A JPEG of the camera's next inferred frame, drawn; empty when none comes within {@code timeout} (a camera
     * that is not streaming, or whose frames the motion gate keeps from the detector).
     */
    public Mono<byte[]> next(String cameraUuid, Duration timeout) {
        Sinks.One<byte[]> sink = Sinks.one();
        Queue<Sinks.One<byte[]>> q = waiting.computeIfAbsent(cameraUuid, k -> new ConcurrentLinkedQueue<>());
        q.add(sink);
        return sink.asMono().timeout(timeout, Mono.empty()).doFinally(s -> q.remove(sink));
    }

    /**
     * Called for every inferred frame before it is released: {@code found} in the frame's image pixels,
     * {@code inSource} the same in source pixels (as the events carry them).
     */
    public void inferred(VideoFrame frame, List<Detection> found, List<DetectionEvent.Detected> inSource, Instant at) {
        latest.put(frame.cameraUuid(), new LastInference(at, frame.frameId(), inSource));
        Queue<Sinks.One<byte[]>> q = waiting.get(frame.cameraUuid());
        if (q == null || q.isEmpty()) {
            return;
        }
        byte[] jpeg;
        try {
            jpeg = render(frame, found);
        } catch (RuntimeException e) {
            log.warn("camera {}: cannot render a snapshot ({})", frame.cameraUuid(), e.toString());
            return;
        }
        for (Sinks.One<byte[]> s; (s = q.poll()) != null; ) {
            s.tryEmitValue(jpeg);
        }
    }

    private static byte[] render(VideoFrame frame, List<Detection> found) {
        try (Mat picture = frame.image().clone(); BytePointer jpeg = new BytePointer()) {
            drawMask(picture, frame);
            Scalar green = new Scalar(60, 220, 60, 0);
            for (Detection d : found) {
                try (Point a = new Point(Math.round(d.x1()), Math.round(d.y1()));
                     Point b = new Point(Math.round(d.x2()), Math.round(d.y2()));
                     Point label = new Point(Math.round(d.x1()), Math.max(12, Math.round(d.y1()) - 4))) {
                    rectangle(picture, a, b, green, 2, LINE_AA, 0);
                    putText(picture, String.format(Locale.ROOT, "%s %.2f", d.className(), d.confidence()), label,
                            FONT_HERSHEY_SIMPLEX, 0.45, green, 1, LINE_AA, false);
                }
            }
            green.close();
            if (!imencode(".jpg", picture, jpeg)) {
                throw new IllegalStateException("JPEG encoding failed");
            }
            byte[] out = new byte[(int) jpeg.limit()];
            jpeg.get(out);
            return out;
        }
    }

    /** The motion mask (regions where movement is ignored) as a translucent red overlay, in image pixels. */
    private static void drawMask(Mat picture, VideoFrame frame) {
        List<Polygon> mask = frame.source().motionMask();
        if (mask.isEmpty()) {
            return;
        }
        try (Mat overlay = picture.clone(); MatVector polygons = new MatVector(mask.size());
             Scalar red = new Scalar(40, 40, 230, 0)) {
            for (int i = 0; i < mask.size(); i++) {
                List<Polygon.Point> points = mask.get(i).points();
                Mat poly = new Mat(points.size(), 1, org.bytedeco.opencv.global.opencv_core.CV_32SC2);
                org.bytedeco.javacpp.indexer.IntIndexer ix = poly.createIndexer();
                for (int j = 0; j < points.size(); j++) {
                    ix.put(j, 0, 0, (int) Math.round(points.get(j).x() / frame.scaleX()));
                    ix.put(j, 0, 1, (int) Math.round(points.get(j).y() / frame.scaleY()));
                }
                ix.close();
                polygons.put(i, poly);
            }
            fillPoly(overlay, polygons, red);
            addWeighted(overlay, 0.35, picture, 0.65, 0, picture);
            for (long i = 0; i < polygons.size(); i++) {
                polygons.get(i).close();
            }
        }
    }
}

package io.camflux.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each layout, with one object placed where its decoding puts a known box. */
class YoloDecoderTest {
    private static final int CLASSES = 3;
    private static final Labels LABELS = new Labels(List.of("person", "car", "dog"));

    @Test
    void yoloxDecodesGridAndStrideOnTheSecondGrid() {
        int w = 64, h = 64;
        int cells = (int) ModelFormat.gridCells(w, h); // 64 + 16 + 4
        float[] out = new float[cells * (5 + CLASSES)];
        // anchor in the stride-16 grid (4x4), cell (x=2, y=1): index 64 + 1*4 + 2
        int a = 64 + 4 + 2;
        int row = a * (5 + CLASSES);
        out[row] = 0.5f;                      // cx = (0.5 + 2) * 16 = 40
        out[row + 1] = 0.25f;                 // cy = (0.25 + 1) * 16 = 20
        out[row + 2] = (float) Math.log(2);   // w = 2 * 16 = 32
        out[row + 3] = 0f;                    // h = 16
        out[row + 4] = 0.9f;
        out[row + 5 + 1] = 0.8f;              // car
        YoloDecoder decoder = new YoloDecoder(ModelFormat.YOLOX, w, h, cells, 5 + CLASSES, 0.3f, 0.45f, LABELS, c -> true);
        Letterbox lb = Letterbox.of(128, 128, w, h, false); // scale 0.5, top-left
        List<Detection> found = decoder.decode(FloatBuffer.wrap(out), 0, lb);
        assertEquals(1, found.size());
        Detection d = found.get(0);
        assertEquals("car", d.className());
        assertEquals(0.72f, d.confidence(), 1e-5);
        assertEquals(48f, d.x1(), 1e-3);   // (40 - 16) / 0.5
        assertEquals(24f, d.y1(), 1e-3);   // (20 - 8) / 0.5
        assertEquals(112f, d.x2(), 1e-3);
        assertEquals(56f, d.y2(), 1e-3);
    }

    @Test
    void yolov5BoxesAreAlreadyInInputPixels() {
        int w = 64, h = 64;
        int anchors = 3 * (int) ModelFormat.gridCells(w, h);
        float[] out = new float[anchors * (5 + CLASSES) * 2];
        int offset = anchors * (5 + CLASSES); // second image of the batch
        int row = offset + 10 * (5 + CLASSES);
        out[row] = 32; out[row + 1] = 32; out[row + 2] = 20; out[row + 3] = 10;
        out[row + 4] = 0.95f; out[row + 5] = 0.9f;
        YoloDecoder decoder = new YoloDecoder(ModelFormat.YOLOV5, w, h, anchors, 5 + CLASSES, 0.3f, 0.45f, LABELS, c -> true);
        Letterbox lb = Letterbox.of(64, 32, w, h, true); // scale 1, padY 16
        List<Detection> found = decoder.decode(FloatBuffer.wrap(out), offset, lb);
        assertEquals(1, found.size());
        assertEquals(new Detection(0, "person", 0.95f * 0.9f, 22, 11, 42, 21), found.get(0));
    }

    @Test
    void yolov8AnchorsLastWithClassFilterAndNms() {
        int w = 64, h = 64;
        int anchors = (int) ModelFormat.gridCells(w, h);
        float[] out = new float[(4 + CLASSES) * anchors];
        put8(out, anchors, 3, 20, 20, 10, 10, 2, 0.9f);   // dog
        put8(out, anchors, 4, 21, 20, 10, 10, 2, 0.8f);   // overlapping dog: suppressed
        put8(out, anchors, 5, 50, 50, 8, 8, 1, 0.99f);    // car: filtered out by class
        YoloDecoder decoder = new YoloDecoder(ModelFormat.YOLOV8, w, h, 4 + CLASSES, anchors, 0.5f, 0.45f, LABELS,
                c -> c != 1);
        List<Detection> found = decoder.decode(FloatBuffer.wrap(out), 0, Letterbox.of(64, 64, w, h, true));
        assertEquals(List.of(new Detection(2, "dog", 0.9f, 15, 15, 25, 25)), found);
    }

    private static void put8(float[] out, int anchors, int a, float cx, float cy, float bw, float bh, int cls, float s) {
        out[a] = cx;
        out[anchors + a] = cy;
        out[2 * anchors + a] = bw;
        out[3 * anchors + a] = bh;
        out[(4 + cls) * anchors + a] = s;
    }
}

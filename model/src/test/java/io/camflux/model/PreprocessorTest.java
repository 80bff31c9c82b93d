package io.camflux.model;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

class PreprocessorTest {

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Test
    void yoloxKeepsBgrRawValuesAtTopLeftAndPads114() {
        try (Preprocessor pre = new Preprocessor(8, 8, ModelFormat.YOLOX);
             Mat image = new Mat(2, 4, CV_8UC3, new Scalar(10, 20, 30, 0))) {
            FloatBuffer buf = direct(2 * pre.slotSize());
            Letterbox lb = pre.fill(image, buf, 1);
            assertEquals(2f, lb.scale(), 1e-6);
            int base = pre.slotSize(), plane = 64;
            assertEquals(10f, buf.get(base), 0f, "B plane first");
            assertEquals(20f, buf.get(base + plane), 0f);
            assertEquals(30f, buf.get(base + 2 * plane), 0f);
            assertEquals(10f, buf.get(base + 3 * 8 + 7), 0f, "row 3 is still image (4 rows scaled)");
            assertEquals(114f, buf.get(base + 4 * 8), 0f, "row 4 is padding");
            assertEquals(0f, buf.get(0), 0f, "slot 0 untouched");
        }
    }

    @Test
    void yolov8IsRgbScaledAndCentred() {
        try (Preprocessor pre = new Preprocessor(8, 8, ModelFormat.YOLOV8);
             Mat image = new Mat(4, 8, CV_8UC3, new Scalar(51, 102, 255, 0))) {
            FloatBuffer buf = direct(pre.slotSize());
            Letterbox lb = pre.fill(image, buf, 0);
            assertEquals(2, lb.padY());
            int plane = 64;
            assertEquals(114f / 255f, buf.get(0), 1e-6, "row 0 is padding");
            assertEquals(1f, buf.get(2 * 8), 1e-6, "R plane first");
            assertEquals(102f / 255f, buf.get(plane + 2 * 8), 1e-6);
            assertEquals(51f / 255f, buf.get(2 * plane + 2 * 8), 1e-6);
        }
    }

    @Test
    void rejectsNonBgrImages() {
        try (Preprocessor pre = new Preprocessor(8, 8, ModelFormat.YOLOX);
             Mat gray = new Mat(4, 4, org.bytedeco.opencv.global.opencv_core.CV_8UC1)) {
            assertThrows(IllegalArgumentException.class, () -> pre.fill(gray, direct(pre.slotSize()), 0));
        }
    }
}

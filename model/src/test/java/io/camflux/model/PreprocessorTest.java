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

    private static ByteBuffer pixels(int slots, Preprocessor pre) {
        return ByteBuffer.allocateDirect(slots * pre.slotBytes());
    }

    private static int at(ByteBuffer b, int index) {
        return Byte.toUnsignedInt(b.get(index));
    }

    @Test
    void letterboxesAtTopLeftInPlaceAndPads114() {
        try (Preprocessor pre = new Preprocessor(8, 8, ModelFormat.YOLOX);
             Mat image = new Mat(2, 4, CV_8UC3, new Scalar(10, 20, 30, 0))) {
            ByteBuffer buf = pixels(2, pre);
            Letterbox lb = pre.fill(image, buf, 1);
            assertEquals(2f, lb.scale(), 1e-6);
            int base = pre.slotBytes();
            assertEquals(10, at(buf, base), "BGR interleaved, B first");
            assertEquals(20, at(buf, base + 1));
            assertEquals(30, at(buf, base + 2));
            assertEquals(10, at(buf, base + (3 * 8 + 7) * 3), "row 3 is still image (4 rows scaled)");
            assertEquals(114, at(buf, base + 4 * 8 * 3), "row 4 is padding");
            assertEquals(0, at(buf, 0), "slot 0 untouched");
        }
    }

    @Test
    void centredLetterboxPadsAboveAndBelow() {
        try (Preprocessor pre = new Preprocessor(8, 8, ModelFormat.YOLOV8);
             Mat image = new Mat(4, 8, CV_8UC3, new Scalar(51, 102, 255, 0))) {
            ByteBuffer buf = pixels(1, pre);
            Letterbox lb = pre.fill(image, buf, 0);
            assertEquals(2, lb.padY());
            assertEquals(114, at(buf, 0), "row 0 is padding");
            assertEquals(51, at(buf, 2 * 8 * 3), "row 2 is image");
            assertEquals(114, at(buf, 6 * 8 * 3 + 5), "row 6 is padding");
        }
    }

    @Test
    void planarFloatIsRgbScaledForYolov8() {
        try (Preprocessor pre = new Preprocessor(8, 8, ModelFormat.YOLOV8);
             Mat image = new Mat(4, 8, CV_8UC3, new Scalar(51, 102, 255, 0));
             Mat scratch = pre.newFloatScratch()) {
            ByteBuffer buf = pixels(1, pre);
            pre.fill(image, buf, 0);
            FloatBuffer floats = ByteBuffer.allocateDirect(2 * 3 * 64 * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            pre.toPlanarFloat(buf, 0, scratch, floats, 1);
            int base = 3 * 64, plane = 64;
            assertEquals(114f / 255f, floats.get(base), 1e-6, "row 0 is padding");
            assertEquals(1f, floats.get(base + 2 * 8), 1e-6, "R plane first");
            assertEquals(102f / 255f, floats.get(base + plane + 2 * 8), 1e-6);
            assertEquals(51f / 255f, floats.get(base + 2 * plane + 2 * 8), 1e-6);
            assertEquals(0f, floats.get(0), 0f, "target slot 0 untouched");
        }
    }

    @Test
    void rejectsNonBgrImages() {
        try (Preprocessor pre = new Preprocessor(8, 8, ModelFormat.YOLOX);
             Mat gray = new Mat(4, 4, org.bytedeco.opencv.global.opencv_core.CV_8UC1)) {
            assertThrows(IllegalArgumentException.class, () -> pre.fill(gray, pixels(1, pre), 0));
        }
    }
}

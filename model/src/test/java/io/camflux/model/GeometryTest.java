package io.camflux.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class GeometryTest {

    @Test
    void letterboxKeepsAspectAndMapsBack() {
        Letterbox centred = Letterbox.of(1280, 720, 640, 640, true);
        assertEquals(0.5f, centred.scale(), 1e-6);
        assertEquals(640, centred.scaledWidth());
        assertEquals(360, centred.scaledHeight());
        assertEquals(0, centred.padX());
        assertEquals(140, centred.padY());
        assertEquals(200f, centred.toSourceX(100f), 1e-3);
        assertEquals(120f, centred.toSourceY(200f), 1e-3);

        Letterbox topLeft = Letterbox.of(768, 576, 416, 416, false);
        assertEquals(0, topLeft.padX());
        assertEquals(0, topLeft.padY());
        assertEquals(312, topLeft.scaledHeight());
        assertEquals(768f, topLeft.toSourceX(1000f), 1e-3, "clipped to the image");
    }

    @Test
    void letterboxRejectsEmptyImages() {
        assertThrows(IllegalArgumentException.class, () -> Letterbox.of(0, 10, 416, 416, true));
    }

    @Test
    void nmsSuppressesOverlapsPerClassOnly() {
        Detection a = new Detection(0, "person", 0.9f, 0, 0, 100, 100);
        Detection b = new Detection(0, "person", 0.8f, 5, 5, 105, 105);
        Detection c = new Detection(1, "bicycle", 0.7f, 5, 5, 105, 105);
        Detection d = new Detection(0, "person", 0.6f, 300, 300, 400, 400);
        assertEquals(List.of(a, c, d), Nms.perClass(List.of(d, c, b, a), 0.45f));
    }

    @Test
    void iouOfKnownBoxes() {
        Detection a = new Detection(0, "x", 1f, 0, 0, 10, 10);
        Detection b = new Detection(0, "x", 1f, 5, 0, 15, 10);
        assertEquals(50f / 150f, a.iou(b), 1e-6);
        assertEquals(0f, a.iou(new Detection(0, "x", 1f, 20, 20, 30, 30)), 0f);
    }

    @Test
    void formatFromOutputShape() {
        assertEquals(ModelFormat.YOLOX, ModelFormat.detect(new long[] {1, 3549, 85}, 416, 416));
        assertEquals(ModelFormat.YOLOV5, ModelFormat.detect(new long[] {1, 25200, 85}, 640, 640));
        assertEquals(ModelFormat.YOLOV8, ModelFormat.detect(new long[] {1, 84, 8400}, 640, 640));
        assertThrows(IllegalArgumentException.class, () -> ModelFormat.detect(new long[] {1, 1000, 85}, 640, 640));
        assertEquals(ModelFormat.YOLOV8, ModelFormat.parse("yolo11"));
        assertThrows(IllegalArgumentException.class, () -> ModelFormat.parse("ssd"));
    }

    @Test
    void labelsFromUltralyticsMetadata() {
        Labels labels = Labels.fromMetadata("{0: 'person', 1: 'bicycle', 3: \"car\"}");
        assertEquals(List.of("person", "bicycle", "class2", "car"), labels.names());
        assertEquals(null, Labels.fromMetadata("no names here"));
        assertEquals("person", Labels.coco().name(0));
        assertEquals(80, Labels.coco().size());
    }
}

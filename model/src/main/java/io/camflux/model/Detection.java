package io.camflux.model;

/**
 * One detected object, its box in source-image pixels (x1,y1 top-left, x2,y2 bottom-right).
 */
public record Detection(int classId, String className, float confidence,
                        float x1, float y1, float x2, float y2) {

    public float width() {
        return x2 - x1;
    }

    public float height() {
        return y2 - y1;
    }

    public float area() {
        return Math.max(0f, width()) * Math.max(0f, height());
    }

    /** Intersection over union with another box. */
    public float iou(Detection other) {
        float ix1 = Math.max(x1, other.x1), iy1 = Math.max(y1, other.y1);
        float ix2 = Math.min(x2, other.x2), iy2 = Math.min(y2, other.y2);
        float inter = Math.max(0f, ix2 - ix1) * Math.max(0f, iy2 - iy1);
        float union = area() + other.area() - inter;
        return union <= 0f ? 0f : inter / union;
    }
}

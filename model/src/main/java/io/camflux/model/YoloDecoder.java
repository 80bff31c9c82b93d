package io.camflux.model;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Turns one image's raw detector output into detections in source pixels: score threshold, class filter,
 * box decoding for the layout, per-class NMS.
 */
public final class YoloDecoder {
    private final ModelFormat format;
    private final int inputWidth;
    private final int inputHeight;
    private final int rows;
    private final int cols;
    private final float confidenceThreshold;
    private final float iouThreshold;
    private final Labels labels;
    private final IntPredicate classAllowed;

    /**
     * @param rows  output dim 1 (anchors for YOLOX/v5, 4+C for v8)
     * @param cols  output dim 2 (5+C for YOLOX/v5, anchors for v8)
     */
    public YoloDecoder(ModelFormat format, int inputWidth, int inputHeight, int rows, int cols,
                       float confidenceThreshold, float iouThreshold, Labels labels, IntPredicate classAllowed) {
        this.format = format;
        this.inputWidth = inputWidth;
        this.inputHeight = inputHeight;
        this.rows = rows;
        this.cols = cols;
        this.confidenceThreshold = confidenceThreshold;
        this.iouThreshold = iouThreshold;
        this.labels = labels;
        this.classAllowed = classAllowed;
    }

    public int classCount() {
        return format.classCount(new long[] {-1, rows, cols});
    }

    /** Decodes the image whose output starts at {@code offset} in {@code out}. */
    public List<Detection> decode(FloatBuffer out, int offset, Letterbox letterbox) {
        List<Detection> candidates = format == ModelFormat.YOLOV8
                ? decodeAnchorsLast(out, offset, letterbox)
                : decodeAnchorsFirst(out, offset, letterbox);
        return Nms.perClass(candidates, iouThreshold);
    }

    private List<Detection> decodeAnchorsFirst(FloatBuffer out, int offset, Letterbox lb) {
        List<Detection> found = new ArrayList<>();
        int classes = cols - 5;
        int anchorInGrid = 0, gridIndex = 0, gridW = inputWidth / ModelFormat.Strides.STRIDES[0];
        int gridH = inputHeight / ModelFormat.Strides.STRIDES[0];
        for (int a = 0; a < rows; a++) {
            if (format == ModelFormat.YOLOX && anchorInGrid == gridW * gridH) {
                gridIndex++;
                anchorInGrid = 0;
                gridW = inputWidth / ModelFormat.Strides.STRIDES[gridIndex];
                gridH = inputHeight / ModelFormat.Strides.STRIDES[gridIndex];
            }
            int row = offset + a * cols;
            float objectness = out.get(row + 4);
            int cellIndex = anchorInGrid++;
            if (objectness < confidenceThreshold) {
                continue;
            }
            int best = -1;
            float bestScore = 0f;
            for (int c = 0; c < classes; c++) {
                float s = out.get(row + 5 + c);
                if (s > bestScore && classAllowed.test(c)) {
                    bestScore = s;
                    best = c;
                }
            }
            float score = objectness * bestScore;
            if (best < 0 || score < confidenceThreshold) {
                continue;
            }
            float cx = out.get(row), cy = out.get(row + 1), w = out.get(row + 2), h = out.get(row + 3);
            if (format == ModelFormat.YOLOX) {
                int stride = ModelFormat.Strides.STRIDES[gridIndex];
                cx = (cx + cellIndex % gridW) * stride;
                cy = (cy + cellIndex / gridW) * stride;
                w = (float) Math.exp(w) * stride;
                h = (float) Math.exp(h) * stride;
            }
            found.add(box(best, score, cx, cy, w, h, lb));
        }
        return found;
    }

    private List<Detection> decodeAnchorsLast(FloatBuffer out, int offset, Letterbox lb) {
        List<Detection> found = new ArrayList<>();
        int anchors = cols, classes = rows - 4;
        for (int a = 0; a < anchors; a++) {
            int best = -1;
            float bestScore = confidenceThreshold;
            for (int c = 0; c < classes; c++) {
                float s = out.get(offset + (4 + c) * anchors + a);
                if (s >= bestScore && classAllowed.test(c)) {
                    bestScore = s;
                    best = c;
                }
            }
            if (best < 0) {
                continue;
            }
            found.add(box(best, bestScore, out.get(offset + a), out.get(offset + anchors + a),
                    out.get(offset + 2 * anchors + a), out.get(offset + 3 * anchors + a), lb));
        }
        return found;
    }

    private Detection box(int classId, float score, float cx, float cy, float w, float h, Letterbox lb) {
        return lb.toSource(classId, labels, score, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
    }
}

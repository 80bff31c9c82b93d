package io.camflux.model;

import io.camflux.model.graph.ModelGraph;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one image's rows of the fused graph's output ({@code [x1, y1, x2, y2, score, class]} per anchor, in
 * input pixels, best allowed class already chosen): score threshold, back to source pixels, per-class NMS.
 * Stateless; safe on any thread.
 */
public final class CandidateDecoder {
    private final int anchors;
    private final float confidenceThreshold;
    private final float iouThreshold;
    private final Labels labels;

    public CandidateDecoder(int anchors, float confidenceThreshold, float iouThreshold, Labels labels) {
        this.anchors = anchors;
        this.confidenceThreshold = confidenceThreshold;
        this.iouThreshold = iouThreshold;
        this.labels = labels;
    }

    public int floatsPerImage() {
        return anchors * ModelGraph.FUSED_COLUMNS;
    }

    /** Decodes image {@code index} of {@code out}. */
    public List<Detection> decode(FloatBuffer out, int index, Letterbox lb) {
        List<Detection> found = new ArrayList<>();
        int base = index * floatsPerImage();
        for (int a = 0; a < anchors; a++) {
            int row = base + a * ModelGraph.FUSED_COLUMNS;
            float score = out.get(row + 4);
            if (score < confidenceThreshold) {
                continue;
            }
            int classId = (int) out.get(row + 5);
            found.add(lb.toSource(classId, labels, score, out.get(row), out.get(row + 1), out.get(row + 2),
                    out.get(row + 3)));
        }
        return Nms.perClass(found, iouThreshold);
    }
}

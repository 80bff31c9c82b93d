package io.camflux.model.graph;

import io.camflux.model.ModelFormat;

/**
 * YOLOX's anchor-free grid: one anchor per cell of each stride's grid, strides in {@link ModelFormat#strides()}
 * order, cells row by row. {@code cells} holds (x, y) per anchor and {@code strides} its stride.
 */
record GridTables(int anchors, float[] cells, float[] strides) {

    static GridTables of(int inputWidth, int inputHeight, int expectedAnchors) {
        int anchors = 0;
        for (int stride : ModelFormat.strides()) {
            anchors += (inputWidth / stride) * (inputHeight / stride);
        }
        if (anchors != expectedAnchors) {
            throw new IllegalArgumentException("a YOLOX model at " + inputWidth + "x" + inputHeight + " has "
                    + anchors + " anchors, this one " + expectedAnchors);
        }
        float[] cells = new float[anchors * 2];
        float[] strides = new float[anchors];
        int a = 0;
        for (int stride : ModelFormat.strides()) {
            int gw = inputWidth / stride, gh = inputHeight / stride;
            for (int y = 0; y < gh; y++) {
                for (int x = 0; x < gw; x++, a++) {
                    cells[2 * a] = x;
                    cells[2 * a + 1] = y;
                    strides[a] = stride;
                }
            }
        }
        return new GridTables(anchors, cells, strides);
    }
}

package io.camflux.model;

import java.util.Locale;

/**
 * The output layouts the decoder understands, with the input convention each family was trained with.
 */
public enum ModelFormat {
    /** YOLOX: output [N, anchors, 5+C], not yet grid-decoded; input BGR 0-255, image at the top-left of the pad. */
    YOLOX(false, 1f, false),
    /** YOLOv5: output [N, 3*anchors, 5+C], boxes already in input pixels; input RGB 0-1, centred letterbox. */
    YOLOV5(true, 1f / 255f, true),
    /** YOLOv8/v11: output [N, 4+C, anchors], no objectness; input RGB 0-1, centred letterbox. */
    YOLOV8(true, 1f / 255f, true);

    private final boolean rgb;
    private final float pixelScale;
    private final boolean centredLetterbox;

    ModelFormat(boolean rgb, float pixelScale, boolean centredLetterbox) {
        this.rgb = rgb;
        this.pixelScale = pixelScale;
        this.centredLetterbox = centredLetterbox;
    }

    public boolean rgb() {
        return rgb;
    }

    public float pixelScale() {
        return pixelScale;
    }

    public boolean centredLetterbox() {
        return centredLetterbox;
    }

    /** Parses a config value ({@code yolox}, {@code yolov5}, {@code yolov8}, {@code yolo11}); null for {@code auto}. */
    public static ModelFormat parse(String value) {
        if (value == null) {
            return null;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "auto" -> null;
            case "yolox" -> YOLOX;
            case "yolov5" -> YOLOV5;
            case "yolov8", "yolo11", "yolov11" -> YOLOV8;
            default -> throw new IllegalArgumentException(
                    "unknown model format '" + value + "' (expected auto, yolox, yolov5, yolov8 or yolo11)");
        };
    }

    /**
     * Chooses the layout from the output shape [N, a, b] and the input size: YOLOX has one anchor per
     * cell of the stride 8/16/32 grids, YOLOv5 three, YOLOv8 puts the anchors last.
     */
    public static ModelFormat detect(long[] outputShape, int inputWidth, int inputHeight) {
        if (outputShape.length != 3) {
            throw new IllegalArgumentException("expected a 3-dimensional detector output, got "
                    + java.util.Arrays.toString(outputShape));
        }
        long cells = gridCells(inputWidth, inputHeight);
        long a = outputShape[1], b = outputShape[2];
        if (b == cells && a > 4 && a < b) {
            return YOLOV8;
        }
        if (a == cells && b > 5) {
            return YOLOX;
        }
        if (a == 3 * cells && b > 5) {
            return YOLOV5;
        }
        throw new IllegalArgumentException("cannot tell the YOLO layout of output shape "
                + java.util.Arrays.toString(outputShape) + " for a " + inputWidth + "x" + inputHeight
                + " input; set model.format");
    }

    /** Anchors per image in an output of shape [N, a, b] of this layout. */
    public long anchors(long[] outputShape) {
        return this == YOLOV8 ? outputShape[2] : outputShape[1];
    }

    /** Classes in an output of shape [N, a, b] of this layout (YOLOv8 has no objectness column). */
    public int classCount(long[] outputShape) {
        return (int) (this == YOLOV8 ? outputShape[1] - 4 : outputShape[2] - 5);
    }

    /** The output strides of the YOLO families' three grids, finest first. */
    public static int[] strides() {
        return Strides.STRIDES.clone();
    }

    static long gridCells(int inputWidth, int inputHeight) {
        long cells = 0;
        for (int stride : Strides.STRIDES) {
            cells += (long) (inputWidth / stride) * (inputHeight / stride);
        }
        return cells;
    }

    static final class Strides {
        static final int[] STRIDES = {8, 16, 32};

        private Strides() {
        }
    }
}

package io.camflux.model;

/**
 * How a source image was placed into the model input: scaled by {@code scale}, then shifted by the padding.
 * Maps boxes back to source pixels.
 */
public record Letterbox(int sourceWidth, int sourceHeight, float scale, int padX, int padY,
                        int scaledWidth, int scaledHeight) {

    public static Letterbox of(int sourceWidth, int sourceHeight, int inputWidth, int inputHeight, boolean centred) {
        if (sourceWidth <= 0 || sourceHeight <= 0) {
            throw new IllegalArgumentException("empty image " + sourceWidth + "x" + sourceHeight);
        }
        float scale = Math.min((float) inputWidth / sourceWidth, (float) inputHeight / sourceHeight);
        int w = Math.min(inputWidth, Math.max(1, Math.round(sourceWidth * scale)));
        int h = Math.min(inputHeight, Math.max(1, Math.round(sourceHeight * scale)));
        int padX = centred ? (inputWidth - w) / 2 : 0;
        int padY = centred ? (inputHeight - h) / 2 : 0;
        return new Letterbox(sourceWidth, sourceHeight, scale, padX, padY, w, h);
    }

    public float toSourceX(float inputX) {
        return clamp((inputX - padX) / scale, sourceWidth);
    }

    public float toSourceY(float inputY) {
        return clamp((inputY - padY) / scale, sourceHeight);
    }

    /** A detection whose box {@code (x1, y1)–(x2, y2)} is in input pixels, mapped back to source pixels. */
    public Detection toSource(int classId, Labels labels, float score, float x1, float y1, float x2, float y2) {
        return new Detection(classId, labels.name(classId), score, toSourceX(x1), toSourceY(y1), toSourceX(x2),
                toSourceY(y2));
    }

    private static float clamp(float v, int max) {
        return Math.max(0f, Math.min(max, v));
    }
}

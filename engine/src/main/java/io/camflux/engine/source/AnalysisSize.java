package io.camflux.engine.source;

/**
 * The size a kept frame is decoded at: no larger than the detector reads it. For a 416x416 detector a 1920x1080
 * picture is kept at 416x234, the size its letterbox would scale it to anyway, so a kept frame costs a small copy and
 * colour conversion instead of a 1080p one; boxes and motion masks stay in source pixels. Never narrower than
 * {@code minWidth} (the motion gate's working width), never larger than the source; even sizes (NV12's chroma).
 */
public record AnalysisSize(int inputWidth, int inputHeight, int minWidth) {
    /** Frames at the stream's own size. */
    public static final AnalysisSize SOURCE = new AnalysisSize(0, 0, 0);

    /** For a detector's input size ({@code null}: any size, so the source's own) and the smallest width wanted. */
    public static AnalysisSize of(int[] detectorInput, int minWidth) {
        return detectorInput == null ? SOURCE : new AnalysisSize(detectorInput[0], detectorInput[1], minWidth);
    }

    /** {@code {width, height}} to decode a {@code width} x {@code height} picture at. */
    public int[] of(int width, int height) {
        if (inputWidth <= 0 || inputHeight <= 0 || width <= 0 || height <= 0) {
            return new int[] {width, height};
        }
        double scale = Math.max(Math.min((double) inputWidth / width, (double) inputHeight / height),
                (double) minWidth / width);
        int w = even(width * scale), h = even(height * scale);
        return scale >= 1 || w >= width || h >= height ? new int[] {width, height} : new int[] {w, h};
    }

    private static int even(double v) {
        return Math.max(2, (int) Math.round(v / 2) * 2);
    }
}

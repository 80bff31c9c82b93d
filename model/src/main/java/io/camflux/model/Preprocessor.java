package io.camflux.model;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Letterboxes BGR images into planar float input slots of a direct buffer, in place, reusing its native
 * scratch images. One instance per thread; {@link #close()} frees the scratch images.
 */
public final class Preprocessor implements AutoCloseable {
    static final double PAD_VALUE = 114;

    private final int width;
    private final int height;
    private final ModelFormat format;
    private final Mat canvas;
    private final Mat floatCanvas;
    private final Scalar pad;

    public Preprocessor(int width, int height, ModelFormat format) {
        this.width = width;
        this.height = height;
        this.format = format;
        this.canvas = new Mat(height, width, CV_8UC3);
        this.floatCanvas = new Mat(height, width, CV_32FC3);
        this.pad = new Scalar(PAD_VALUE, PAD_VALUE, PAD_VALUE, 0);
    }

    public int slotSize() {
        return 3 * width * height;
    }

    /**
     * Writes {@code image} (8-bit BGR) into slot {@code slot} of {@code input} (direct, planar CHW floats).
     */
    public Letterbox fill(Mat image, FloatBuffer input, int slot) {
        if (image.type() != CV_8UC3) {
            throw new IllegalArgumentException("expected an 8-bit 3-channel BGR image, got type " + image.type());
        }
        Letterbox lb = Letterbox.of(image.cols(), image.rows(), width, height, format.centredLetterbox());
        canvas.put(pad);
        try (Rect roiRect = new Rect(lb.padX(), lb.padY(), lb.scaledWidth(), lb.scaledHeight());
             Mat roi = canvas.apply(roiRect);
             Size size = new Size(lb.scaledWidth(), lb.scaledHeight())) {
            opencv_imgproc.resize(image, roi, size, 0, 0, opencv_imgproc.INTER_LINEAR);
        }
        canvas.convertTo(floatCanvas, CV_32F, format.pixelScale(), 0);
        int plane = width * height;
        long base = (long) slot * slotSize();
        try (FloatPointer data = new FloatPointer(input);
             Mat b = planeAt(data, base + (format.rgb() ? 2L : 0L) * plane);
             Mat g = planeAt(data, base + plane);
             Mat r = planeAt(data, base + (format.rgb() ? 0L : 2L) * plane);
             MatVector planes = new MatVector(b, g, r)) {
            opencv_core.split(floatCanvas, planes);
        }
        return lb;
    }

    private Mat planeAt(FloatPointer data, long offset) {
        return new Mat(height, width, CV_32F, data.getPointer(offset));
    }

    @Override
    public void close() {
        canvas.close();
        floatCanvas.close();
        pad.close();
    }
}

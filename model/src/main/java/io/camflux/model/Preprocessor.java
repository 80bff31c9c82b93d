package io.camflux.model;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Letterboxes BGR images in place into 8-bit BGR input slots [H,W,3] of a direct buffer: one resize into the
 * slot and the padding strips filled, nothing else allocated. Stateless apart from constants, so any number
 * of threads may fill slots of the same buffer at once. {@link #close()} frees the pad colour.
 */
public final class Preprocessor implements AutoCloseable {
    static final double PAD_VALUE = 114;

    private final int width;
    private final int height;
    private final ModelFormat format;
    private final Scalar pad;

    public Preprocessor(int width, int height, ModelFormat format) {
        this.width = width;
        this.height = height;
        this.format = format;
        this.pad = new Scalar(PAD_VALUE, PAD_VALUE, PAD_VALUE, 0);
    }

    /** Bytes per image slot: H × W × 3. */
    public int slotBytes() {
        return 3 * width * height;
    }

    /** Writes {@code image} (8-bit BGR) into slot {@code slot} of {@code pixels} (direct, [N,H,W,3] uint8). */
    public Letterbox fill(Mat image, ByteBuffer pixels, int slot) {
        if (image.type() != CV_8UC3) {
            throw new IllegalArgumentException("expected an 8-bit 3-channel BGR image, got type " + image.type());
        }
        Letterbox lb = Letterbox.of(image.cols(), image.rows(), width, height, format.centredLetterbox());
        try (BytePointer data = new BytePointer(pixels);
             BytePointer at = data.getPointer((long) slot * slotBytes());
             Mat canvas = new Mat(height, width, CV_8UC3, at)) {
            fillPad(canvas, 0, 0, width, lb.padY());
            fillPad(canvas, 0, lb.padY() + lb.scaledHeight(), width, height - lb.padY() - lb.scaledHeight());
            fillPad(canvas, 0, lb.padY(), lb.padX(), lb.scaledHeight());
            fillPad(canvas, lb.padX() + lb.scaledWidth(), lb.padY(), width - lb.padX() - lb.scaledWidth(),
                    lb.scaledHeight());
            try (Rect roiRect = new Rect(lb.padX(), lb.padY(), lb.scaledWidth(), lb.scaledHeight());
                 Mat roi = canvas.apply(roiRect);
                 Size size = new Size(lb.scaledWidth(), lb.scaledHeight())) {
                opencv_imgproc.resize(image, roi, size, 0, 0, opencv_imgproc.INTER_LINEAR);
            }
        }
        return lb;
    }

    private void fillPad(Mat canvas, int x, int y, int w, int h) {
        if (w > 0 && h > 0) {
            try (Rect r = new Rect(x, y, w, h); Mat strip = canvas.apply(r)) {
                strip.put(pad);
            }
        }
    }

    /**
     * Converts slot {@code slot} of {@code pixels} into planar float slot {@code target} of {@code input} in the
     * model's own convention (channel order, scale), for models that take float input as they are.
     * {@code scratch} is a float image of the input size owned by the caller.
     */
    public void toPlanarFloat(ByteBuffer pixels, int slot, Mat scratch, FloatBuffer input, int target) {
        int plane = width * height;
        long base = (long) target * 3 * plane;
        try (BytePointer data = new BytePointer(pixels);
             BytePointer at = data.getPointer((long) slot * slotBytes());
             Mat canvas = new Mat(height, width, CV_8UC3, at);
             FloatPointer floats = new FloatPointer(input);
             Mat b = planeAt(floats, base + (format.rgb() ? 2L : 0L) * plane);
             Mat g = planeAt(floats, base + plane);
             Mat r = planeAt(floats, base + (format.rgb() ? 0L : 2L) * plane);
             MatVector planes = new MatVector(b, g, r)) {
            canvas.convertTo(scratch, CV_32F, format.pixelScale(), 0);
            opencv_core.split(scratch, planes);
        }
    }

    /** A float image the size of the model input, for {@link #toPlanarFloat}. */
    public Mat newFloatScratch() {
        return new Mat(height, width, CV_32FC3);
    }

    private Mat planeAt(FloatPointer data, long offset) {
        return new Mat(height, width, CV_32F, data.getPointer(offset));
    }

    @Override
    public void close() {
        pad.close();
    }
}

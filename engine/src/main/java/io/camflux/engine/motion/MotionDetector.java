package io.camflux.engine.motion;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;

import io.camflux.engine.config.MotionConfig;
import io.camflux.engine.config.Polygon;
import io.camflux.engine.source.PictureFilter;
import java.util.List;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.global.opencv_video;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_video.BackgroundSubtractorMOG2;

/**
 * Measures how much of a frame moves, the seed's way, on a downscaled copy: grey (the decoded luma where the reader
 * has it, so a frame without motion is never converted to BGR), Gaussian blur, MOG2
 * background subtraction (shadows detected and left out) OR'd with the thresholded difference to the previous
 * frame, masked, eroded and dilated, then the area of the external contours above {@code min_area}.
 * Areas are returned in source pixels. One per camera; owns its native images, reused frame to frame.
 * Thread-safe only in that {@link #close()} may race with {@link #movingArea(PictureFilter.Picture)}.
 */
public final class MotionDetector implements AutoCloseable {
    private static final double MOG2_FOREGROUND = 200; // MOG2 marks shadows 127 and foreground 255
    /** Gaussians per pixel: OpenCV's default is 5; 3 is what a fixed camera needs and costs less. */
    private static final int MOG2_MIXTURES = 3;
    /** Read-only arguments of erode/dilate, shared by every detector (3x3 kernel, centred, default border). */
    private static final Mat DEFAULT_KERNEL = new Mat();
    private static final Point CENTRE = new Point(-1, -1);
    private static final Scalar MORPHOLOGY_BORDER = opencv_imgproc.morphologyDefaultBorderValue();

    private final MotionConfig config;
    private final List<Polygon> masks;
    private final String camera;
    private BackgroundSubtractorMOG2 background;
    private Mat small;
    private Mat gray;
    private Mat previous;
    private Mat foreground;
    private Mat difference;
    private Mat mask;
    private Size workingSize;
    private Size blurKernel;
    private double areaScale;
    private int sourceWidth;
    private int sourceHeight;
    private boolean closed;

    public MotionDetector(MotionConfig config, List<Polygon> masks, String camera) {
        this.config = config;
        this.masks = List.copyOf(masks);
        this.camera = camera;
    }

    /** Whether a picture of this size has been seen, so that the next has something to be compared with. */
    public synchronized boolean hasBackground(int sourceWidth, int sourceHeight) {
        return background != null && sourceWidth == this.sourceWidth && sourceHeight == this.sourceHeight;
    }

    /** The moving area of {@code bgr}, an image at its source's own size; see below. */
    public double movingArea(Mat bgr) {
        return movingArea(PictureFilter.Picture.bgr(bgr, 0, bgr.cols(), bgr.rows()));
    }

    /**
     * The moving area in source pixels of a picture (its luma, or a BGR image, perhaps scaled down from the source);
     * the first frame of a new size reads as all motion.
     */
    public synchronized double movingArea(PictureFilter.Picture picture) {
        int sourceWidth = picture.sourceWidth(), sourceHeight = picture.sourceHeight();
        if (closed) {
            throw new IllegalStateException("motion detector of " + camera + " is closed");
        }
        boolean fresh = sourceWidth != this.sourceWidth || sourceHeight != this.sourceHeight;
        if (fresh) {
            prepare(sourceWidth, sourceHeight);
        }
        // bilinear reads a few source pixels per output pixel; the blur that follows smooths its aliasing, and
        // area averaging would read the whole frame (5x the cost at 720p)
        if (picture.luma()) {
            opencv_imgproc.resize(picture.pixels(), gray, workingSize, 0, 0, opencv_imgproc.INTER_LINEAR);
            if (picture.limitedRange()) {
                // video-range luma stretched to the grey levels a BGR conversion gives, so thresholds mean the same
                gray.convertTo(gray, -1, 255.0 / 219, -16 * 255.0 / 219);
            }
        } else {
            opencv_imgproc.resize(picture.pixels(), small, workingSize, 0, 0, opencv_imgproc.INTER_LINEAR);
            opencv_imgproc.cvtColor(small, gray, opencv_imgproc.COLOR_BGR2GRAY);
        }
        opencv_imgproc.GaussianBlur(gray, gray, blurKernel, 0);
        background.apply(gray, foreground);
        opencv_imgproc.threshold(foreground, foreground, MOG2_FOREGROUND, 255, opencv_imgproc.THRESH_BINARY);
        if (!fresh) {
            opencv_core.absdiff(gray, previous, difference);
            opencv_imgproc.threshold(difference, difference, config.sensitivity(), 255, opencv_imgproc.THRESH_BINARY);
            opencv_core.bitwise_or(foreground, difference, foreground);
        }
        gray.copyTo(previous);
        if (mask != null) {
            opencv_core.bitwise_and(foreground, mask, foreground);
        }
        if (config.erosionIterations() > 0) {
            opencv_imgproc.erode(foreground, foreground, DEFAULT_KERNEL, CENTRE, config.erosionIterations(),
                    opencv_core.BORDER_CONSTANT, MORPHOLOGY_BORDER);
        }
        if (config.dilationIterations() > 0) {
            opencv_imgproc.dilate(foreground, foreground, DEFAULT_KERNEL, CENTRE, config.dilationIterations(),
                    opencv_core.BORDER_CONSTANT, MORPHOLOGY_BORDER);
        }
        if (fresh) {
            return (double) sourceWidth * sourceHeight;
        }
        double moving = 0;
        try (MatVector contours = new MatVector()) {
            opencv_imgproc.findContours(foreground, contours, opencv_imgproc.RETR_EXTERNAL,
                    opencv_imgproc.CHAIN_APPROX_SIMPLE);
            for (long i = 0; i < contours.size(); i++) {
                try (Mat contour = contours.get(i)) {
                    double area = opencv_imgproc.contourArea(contour) * areaScale;
                    if (area > config.minArea()) {
                        moving += area;
                    }
                }
            }
        }
        return moving;
    }

    private void prepare(int width, int height) {
        releaseImages();
        sourceWidth = width;
        sourceHeight = height;
        int w = Math.min(config.workingWidth(), width);
        int h = Math.max(1, Math.round((float) height * w / width));
        double scale = (double) w / width;
        areaScale = (double) width * height / ((double) w * h);
        int k = Math.max(1, (int) Math.round(config.blurSize() * scale));
        k = k % 2 == 0 ? k + 1 : k;
        workingSize = new Size(w, h);
        blurKernel = new Size(k, k);
        small = new Mat();
        gray = new Mat();
        previous = new Mat();
        foreground = new Mat();
        difference = new Mat();
        background = opencv_video.createBackgroundSubtractorMOG2(500, 16, true);
        background.setNMixtures(MOG2_MIXTURES);
        mask = masks.isEmpty() ? null : buildMask(w, h, scale);
    }

    private Mat buildMask(int w, int h, double scale) {
        Mat m = new Mat(h, w, CV_8UC1, new Scalar(255));
        for (int i = 0; i < masks.size(); i++) {
            List<Polygon.Point> points = masks.get(i).points();
            int[] xy = new int[points.size() * 2];
            for (int j = 0; j < points.size(); j++) {
                Polygon.Point p = points.get(j);
                if (p.x() > sourceWidth || p.y() > sourceHeight) {
                    m.close();
                    throw new IllegalArgumentException("camera " + camera + ": motion_mask[" + i + "][" + j + "] ("
                            + p.x() + ", " + p.y() + ") lies outside the " + sourceWidth + "x" + sourceHeight + " image");
                }
                xy[2 * j] = (int) Math.round(p.x() * scale);
                xy[2 * j + 1] = (int) Math.round(p.y() * scale);
            }
            try (IntPointer data = new IntPointer(xy);
                 Mat polygon = new Mat(points.size(), 1, opencv_core.CV_32SC2, data);
                 MatVector polygons = new MatVector(polygon);
                 Scalar ignored = new Scalar(0)) {
                opencv_imgproc.fillPoly(m, polygons, ignored);
            }
        }
        return m;
    }

    private void releaseImages() {
        for (Mat m : new Mat[] {small, gray, previous, foreground, difference, mask}) {
            if (m != null) {
                m.close();
            }
        }
        if (background != null) {
            background.close();
        }
        if (workingSize != null) {
            workingSize.close();
            blurKernel.close();
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            releaseImages();
        }
    }
}

package io.camflux.engine.source;

import static org.bytedeco.ffmpeg.global.avutil.*;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;

import java.util.Set;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.opencv.opencv_core.Mat;

/** The luma plane of a decoded frame in host memory, as an OpenCV view without a copy. */
final class LumaPlane {
    /** Pixel formats whose first plane is 8-bit luma at full resolution. */
    private static final Set<Integer> EIGHT_BIT_LUMA_FIRST = Set.of(AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P,
            AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUV440P,
            AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_YUV411P, AV_PIX_FMT_YUV410P, AV_PIX_FMT_NV12, AV_PIX_FMT_NV21,
            AV_PIX_FMT_GRAY8);

    private LumaPlane() {
    }

    /**
     * Shows {@code filter} the frame's luma plane, before any conversion. Returns what is left to judge: null when
     * the filter dropped the frame, {@link PictureFilter#KEEP_ALL} when it kept it, or the filter itself when it is
     * inactive or the frame has no luma plane in a form it takes (then the caller converts first and filters the BGR
     * image, {@link StreamReader.DecodedImage#filtered}).
     */
    static PictureFilter judge(AVFrame frame, PictureFilter filter, long ptsMicros, int sourceWidth,
                               int sourceHeight) {
        if (!filter.active()) {
            return filter;
        }
        int format = frame.format();
        if (!EIGHT_BIT_LUMA_FIRST.contains(format) || frame.data(0) == null || frame.data(0).isNull()) {
            return filter;
        }
        boolean full = frame.color_range() == AVCOL_RANGE_JPEG || format == AV_PIX_FMT_YUVJ420P
                || format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P || format == AV_PIX_FMT_YUVJ440P
                || format == AV_PIX_FMT_GRAY8;
        try (Mat luma = new Mat(frame.height(), frame.width(), CV_8UC1, frame.data(0), frame.linesize(0))) {
            return filter.keep(new PictureFilter.Picture(luma, !full, ptsMicros, sourceWidth, sourceHeight))
                    ? PictureFilter.KEEP_ALL : null;
        }
    }
}

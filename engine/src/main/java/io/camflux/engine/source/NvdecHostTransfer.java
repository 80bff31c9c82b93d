package io.camflux.engine.source;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_CUDA;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_NV12;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_hwframe_transfer_data;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC2;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_YUV2BGR_NV12;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColorTwoPlane;

import java.io.IOException;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A kept picture's way to the host: copied out of GPU memory (NV12) into a frame reused while the size stays, then
 * converted to BGR at the analysis size (OpenCV when NV12 needs no scaling, else swscale). One per reader; owns the
 * host frame and the scaler context, freed by {@link #close()}.
 */
final class NvdecHostTransfer implements AutoCloseable {
    private final AVFrame download = av_frame_alloc();
    private SwsContext sws;

    /** {@code frame} in host memory: the copy of a GPU picture, or the picture itself when it is there already. */
    AVFrame inHostMemory(AVFrame frame) throws IOException {
        if (frame.format() != AV_PIX_FMT_CUDA) {
            return frame;
        }
        if (download.width() != frame.width() || download.height() != frame.height()) {
            av_frame_unref(download);
        }
        int r = av_hwframe_transfer_data(download, frame, 0);
        if (r < 0) {
            throw NvdecStreamReader.failure("cannot copy a frame from the GPU", r);
        }
        return download;
    }

    /** {@code host} (in host memory) as a new BGR image of {@code w} x {@code h}, which the caller owns. */
    Mat converted(AVFrame host, int w, int h) throws IOException {
        Mat bgr = new Mat(h, w, CV_8UC3);
        try {
            return convertInto(host, bgr, w, h);
        } catch (IOException | RuntimeException e) {
            bgr.close(); // the caller never got it
            throw e;
        }
    }

    private Mat convertInto(AVFrame host, Mat bgr, int w, int h) throws IOException {
        if (host.format() == AV_PIX_FMT_NV12 && host.width() == w && host.height() == h && w % 2 == 0 && h % 2 == 0) {
            try (Mat y = new Mat(h, w, CV_8UC1, host.data(0), host.linesize(0));
                 Mat uv = new Mat(h / 2, w / 2, CV_8UC2, host.data(1), host.linesize(1))) {
                cvtColorTwoPlane(y, uv, bgr, COLOR_YUV2BGR_NV12);
            }
            return bgr;
        }
        sws = sws_getCachedContext(sws, host.width(), host.height(), host.format(), w, h, AV_PIX_FMT_BGR24,
                SWS_BILINEAR, null, null, (DoublePointer) null);
        if (sws == null || sws.isNull()) {
            throw new IOException("cannot convert pixel format " + host.format() + " to BGR");
        }
        try (PointerPointer<?> dst = new PointerPointer<>(1).put(0, bgr.data());
             IntPointer dstStride = new IntPointer(1).put(0, (int) bgr.step())) {
            sws_scale(sws, host.data(), host.linesize(), 0, host.height(), dst, dstStride);
        }
        return bgr;
    }

    @Override
    public void close() {
        av_frame_free(download);
        if (sws != null) {
            sws_freeContext(sws);
            sws = null;
        }
    }
}

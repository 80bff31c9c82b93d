package io.camflux.engine.source;

import io.camflux.engine.config.SourceConfig;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegLogCallback;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

/** Reads a camera or file with FFmpeg (JavaCV), decoding to BGR. */
public final class FfmpegStreamReader implements StreamReader {
    static {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        FFmpegLogCallback.set();
    }

    private final FFmpegFrameGrabber grabber;
    private final OpenCVFrameConverter.ToMat toMat = new OpenCVFrameConverter.ToMat();

    private FfmpegStreamReader(FFmpegFrameGrabber grabber) {
        this.grabber = grabber;
    }

    /** Connects; blocks up to the source's timeout on network sources. */
    public static FfmpegStreamReader open(SourceConfig source) throws FFmpegFrameGrabber.Exception {
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(source.location());
        grabber.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
        // one decoding thread per camera: the cameras are the parallelism, and frame threads would add latency
        grabber.setVideoOption("threads", "1");
        if (source.isNetwork()) {
            String micros = Long.toString(source.timeout().toNanos() / 1000);
            grabber.setOption("rtsp_transport", source.rtspTransport());
            grabber.setOption("timeout", micros);
            grabber.setOption("fflags", "nobuffer");
        }
        try {
            grabber.start();
        } catch (FFmpegFrameGrabber.Exception | RuntimeException e) {
            try {
                grabber.release();
            } catch (FrameGrabber.Exception ignored) {
                // the open failure is what matters
            }
            throw e;
        }
        return new FfmpegStreamReader(grabber);
    }

    @Override
    public DecodedImage next() throws FrameGrabber.Exception {
        Frame frame = grabber.grabImage();
        if (frame == null || frame.image == null) {
            return null;
        }
        Mat view = toMat.convert(frame);
        // the grabber reuses its buffer for the next frame: the pipeline gets its own copy
        return new DecodedImage(view.clone(), frame.timestamp);
    }

    @Override
    public void rewind() throws FrameGrabber.Exception {
        grabber.restart();
    }

    @Override
    public double frameRate() {
        return grabber.getFrameRate();
    }

    @Override
    public void close() {
        try {
            grabber.close();
        } catch (FrameGrabber.Exception e) {
            // nothing left to save; the connection is gone either way
        }
        toMat.close();
    }
}

package io.camflux.engine.source;

import static org.bytedeco.ffmpeg.global.avfilter.AV_BUFFERSRC_FLAG_KEEP_REF;
import static org.bytedeco.ffmpeg.global.avfilter.av_buffersink_get_frame;
import static org.bytedeco.ffmpeg.global.avfilter.av_buffersrc_add_frame_flags;
import static org.bytedeco.ffmpeg.global.avfilter.av_buffersrc_parameters_alloc;
import static org.bytedeco.ffmpeg.global.avfilter.av_buffersrc_parameters_set;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_get_by_name;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_alloc;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_alloc_filter;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_config;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_create_filter;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_free;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_init_str;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_link;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_CUDA;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_free;

import java.io.IOException;
import org.bytedeco.ffmpeg.avfilter.AVBufferSrcParameters;
import org.bytedeco.ffmpeg.avfilter.AVFilterContext;
import org.bytedeco.ffmpeg.avfilter.AVFilterGraph;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.Pointer;

/**
 * Scales decoded pictures on the GPU (FFmpeg's {@code scale_cuda}), so that a kept frame crosses to the host at
 * the size the detector reads, not the camera's. One per reader, built for the reader's first picture (its
 * frames context); owns its graph and output frame.
 */
final class CudaScaler implements AutoCloseable {
    /**
     * Off unless {@code -Dcamflux.nvdec.gpu_scale=true}: on an H200 host, configuring the graph did not finish within
     * 5 s for one 1080p stream (98 % of samples in {@code avfilter_graph_config}; 64 streams made 5 frames/s). Until
     * that is understood a kept frame crosses whole and swscale scales it in the colour conversion.
     */
    static final boolean ENABLED = Boolean.getBoolean("camflux.nvdec.gpu_scale");
    private final AVFilterGraph graph;
    private final AVFilterContext source;
    private final AVFilterContext sink;
    private final AVFrame scaled = av_frame_alloc();
    private final int width;
    private final int height;
    private final int inWidth;
    private final int inHeight;
    /** The frames context of the pictures it takes (the graph holds a reference, so the address stays theirs). */
    private final long frames;

    private CudaScaler(AVFilterGraph graph, AVFilterContext source, AVFilterContext sink, AVFrame like, int width,
                       int height) {
        this.graph = graph;
        this.inWidth = like.width();
        this.inHeight = like.height();
        this.frames = like.hw_frames_ctx().data().address();
        this.source = source;
        this.sink = sink;
        this.width = width;
        this.height = height;
    }

    /** A scaler from pictures like {@code like} (on the GPU) to {@code width} x {@code height}, same pixel format. */
    static CudaScaler create(AVFrame like, AVRational timeBase, int width, int height) throws IOException {
        AVFilterGraph graph = avfilter_graph_alloc();
        graph.nb_threads(1);
        try {
            AVFilterContext source = avfilter_graph_alloc_filter(graph, avfilter_get_by_name("buffer"), "in");
            AVBufferSrcParameters p = av_buffersrc_parameters_alloc();
            p.format(AV_PIX_FMT_CUDA).width(like.width()).height(like.height()).time_base(timeBase)
                    .hw_frames_ctx(like.hw_frames_ctx());
            int r = av_buffersrc_parameters_set(source, p);
            av_free(p);
            check(r, "buffer parameters");
            check(avfilter_init_str(source, (String) null), "buffer");
            AVFilterContext scale = new AVFilterContext(null);
            check(avfilter_graph_create_filter(scale, avfilter_get_by_name("scale_cuda"), "scale",
                    "w=" + width + ":h=" + height, (Pointer) null, graph), "scale_cuda");
            AVFilterContext sink = new AVFilterContext(null);
            check(avfilter_graph_create_filter(sink, avfilter_get_by_name("buffersink"), "out", (String) null,
                    (Pointer) null, graph), "buffersink");
            check(avfilter_link(source, 0, scale, 0), "linking");
            check(avfilter_link(scale, 0, sink, 0), "linking");
            check(avfilter_graph_config(graph, (Pointer) null), "configuring");
            return new CudaScaler(graph, source, sink, like, width, height);
        } catch (IOException | RuntimeException e) {
            avfilter_graph_free(graph);
            throw e;
        }
    }

    /** Whether this scaler takes pictures like {@code picture} to that size. */
    boolean fits(AVFrame picture, int toWidth, int toHeight) {
        return width == toWidth && height == toHeight && inWidth == picture.width() && inHeight == picture.height()
                && frames == picture.hw_frames_ctx().data().address();
    }


    /** The picture scaled, still on the GPU; valid until the next call. */
    AVFrame scale(AVFrame picture) throws IOException {
        av_frame_unref(scaled);
        check(av_buffersrc_add_frame_flags(source, picture, AV_BUFFERSRC_FLAG_KEEP_REF), "scaling");
        check(av_buffersink_get_frame(sink, scaled), "scaling");
        return scaled;
    }

    private static void check(int result, String what) throws IOException {
        if (result < 0) {
            throw NvdecStreamReader.failure("scale_cuda: " + what, result);
        }
    }

    @Override
    public void close() {
        av_frame_free(scaled);
        avfilter_graph_free(graph);
    }
}

package io.camflux.bench.load;

import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.config.VideoDecoder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The N cameras of a run: how the engine reads camera {@code i} (1-based) and how the ffmpeg baseline does. */
interface CameraSet extends AutoCloseable {

    SourceConfig source(int i, VideoDecoder decoder);

    /** ffmpeg's input arguments for camera {@code i}, paced like the engine reads it. */
    List<String> ffmpegInput(int i);

    /** CPU seconds used so far by what serves the cameras (an RTSP server on this host); 0 when nothing does. */
    default double serverCpuSeconds() {
        return 0;
    }

    static String cameraId(int i) {
        return String.format("camera_%03d", i);
    }

    /**
     * Every camera reads the same recorded clip as a looping file paced at its native rate ({@code realtime}), as
     * a live camera delivers frames: no RTSP server, so a GPU host needs nothing but the engine.
     */
    static CameraSet files(Path clip) {
        return new CameraSet() {
            @Override
            public SourceConfig source(int i, VideoDecoder decoder) {
                return new SourceConfig(cameraId(i), clip.toString(), "bench", "bench", "tcp", true, true,
                        Duration.ofSeconds(10), List.of(), decoder);
            }

            @Override
            public List<String> ffmpegInput(int i) {
                return List.of("-re", "-stream_loop", "-1", "-i", clip.toString());
            }

            @Override
            public void close() {
            }
        };
    }
}

package io.camflux.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.config.VideoDecoder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** N cameras on the repo's RTSP server (GStreamer) on loopback, all serving one recorded clip. */
final class RtspCameras implements CameraSet {
    private final Process process;
    private final int port;

    RtspCameras(Path repoRoot, Path clip, int cameras) throws IOException {
        this(repoRoot, clip, 1, cameras, 0);
    }

    /** Cameras {@code first..last} on {@code port} (0: a free one), so that a restarted server serves the same URLs. */
    RtspCameras(Path repoRoot, Path clip, int first, int last, int listenPort) throws IOException {
        this(repoRoot, i -> clip, first, last, listenPort);
    }

    /** As above, camera {@code i} serving {@code clipOf.apply(i)}. */
    RtspCameras(Path repoRoot, java.util.function.IntFunction<Path> clipOf, int first, int last, int listenPort)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", repoRoot.resolve("scripts/rtsp_server.py").toString(),
                "--port", Integer.toString(listenPort)));
        for (int i = first; i <= last; i++) {
            cmd.addAll(List.of("--stream", mount(i) + "=" + clipOf.apply(i)));
        }
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (line == null || !line.startsWith("READY ")) {
            process.destroyForcibly();
            throw new IOException("the RTSP server did not start: " + line);
        }
        port = Integer.parseInt(line.substring(6).trim());
    }

    static String mount(int i) {
        return CameraSet.cameraId(i);
    }

    String url(int i) {
        return "rtsp://127.0.0.1:" + port + "/" + mount(i);
    }

    @Override
    public SourceConfig source(int i, VideoDecoder decoder) {
        return new SourceConfig(mount(i), url(i), "bench", "bench", "tcp", false, true, Duration.ofSeconds(10),
                List.of(), decoder);
    }

    /** From {@code /proc/PID/stat}: user and system clock ticks (100 a second on Linux). */
    @Override
    public double serverCpuSeconds() {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    @Override
    public List<String> ffmpegInput(int i) {
        return List.of("-rtsp_transport", "tcp", "-i", url(i));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}

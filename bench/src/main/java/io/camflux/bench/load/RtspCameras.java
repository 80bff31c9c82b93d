package io.camflux.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** N cameras on the repo's RTSP server (GStreamer) on loopback, all serving one recorded clip. */
final class RtspCameras implements AutoCloseable {
    private final Process process;
    private final int port;

    RtspCameras(Path repoRoot, Path clip, int cameras) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", repoRoot.resolve("scripts/rtsp_server.py").toString(),
                "--port", "0"));
        for (int i = 1; i <= cameras; i++) {
            cmd.addAll(List.of("--stream", mount(i) + "=" + clip));
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
        return String.format("camera_%03d", i);
    }

    String url(int i) {
        return "rtsp://127.0.0.1:" + port + "/" + mount(i);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}

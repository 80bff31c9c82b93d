package io.camflux.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The baseline: the same N RTSP streams decoded by the system's ffmpeg ({@code -f null -}, one decoding thread
 * each, as the engine decodes), for the same duration; CPU seconds from GNU time.
 */
final class FfmpegBaseline {
    private FfmpegBaseline() {
    }

    record Result(double cpuSeconds, double wallSeconds) {
    }

    static Result run(RtspCameras cameras, int n, Duration duration) throws IOException, InterruptedException {
        List<Process> processes = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 1; i <= n; i++) {
            processes.add(new ProcessBuilder("/usr/bin/time", "-f", "CPU %U %S", "ffmpeg", "-v", "error", "-nostdin",
                    "-rtsp_transport", "tcp", "-threads", "1", "-i", cameras.url(i), "-t",
                    Long.toString(duration.toSeconds()), "-f", "null", "-")
                    .redirectErrorStream(true).start());
        }
        double cpu = 0;
        for (Process p : processes) {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            String line = out.lines().filter(l -> l.startsWith("CPU ")).reduce((a, b) -> b)
                    .orElseThrow(() -> new IOException("no CPU figure from /usr/bin/time: " + out));
            String[] parts = line.split(" ");
            cpu += Double.parseDouble(parts[1]) + Double.parseDouble(parts[2]);
        }
        return new Result(cpu, (System.nanoTime() - start) / 1e9);
    }
}

package io.camflux.bench.load;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The baseline: the same N cameras decoded by ffmpeg ({@code -f null -}, one decoding thread each, as the engine
 * decodes), paced as the engine reads them, for the same duration. ffmpeg is the system's, else the one inside
 * JavaCV's FFmpeg jar (which needs the X11 client libraries, absent on the GPU test host); CPU time comes from
 * ffmpeg's own {@code -benchmark}.
 */
final class FfmpegBaseline {
    private static final Pattern TIMES = Pattern.compile("bench: utime=([\\d.]+)s stime=([\\d.]+)s rtime=([\\d.]+)s");
    private static final Pattern FRAMES = Pattern.compile("frame=\\s*(\\d+)");

    private FfmpegBaseline() {
    }

    /** @param frames frames the ffmpeg processes decoded, from their final statistics */
    record Result(double cpuSeconds, double wallSeconds, long frames) {
        double cpuSecondsPerFrame() {
            return frames == 0 ? Double.NaN : cpuSeconds / frames;
        }
    }

    static Result run(CameraSet cameras, int n, Duration duration) throws IOException, InterruptedException {
        List<List<String>> commands = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            List<String> cmd = new ArrayList<>(List.of(binary(), "-hide_banner", "-nostdin", "-stats_period", "60",
                    "-benchmark", "-threads", "1"));
            cmd.addAll(cameras.ffmpegInput(i));
            cmd.addAll(List.of("-t", Long.toString(duration.toSeconds()), "-f", "null", "-"));
            commands.add(cmd);
        }
        long start = System.nanoTime();
        double cpu = 0;
        long frames = 0;
        for (double[] times : runAll(commands)) {
            cpu += times[0] + times[1];
            frames += (long) times[2];
        }
        return new Result(cpu, (System.nanoTime() - start) / 1e9, frames);
    }

    /** Starts every command at once, waits for all; user and system seconds of each. */
    private static List<double[]> runAll(List<List<String>> commands) throws IOException, InterruptedException {
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (List<String> cmd : commands) {
                Path log = Files.createTempFile("camflux-ffmpeg", ".log");
                logs.add(log);
                processes.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start());
            }
            List<double[]> times = new ArrayList<>();
            for (int i = 0; i < processes.size(); i++) {
                int exit = processes.get(i).waitFor();
                String out = Files.readString(logs.get(i), StandardCharsets.UTF_8);
                Matcher m = TIMES.matcher(out);
                if (exit != 0 || !m.find()) {
                    throw new IOException("ffmpeg exited " + exit + ": " + String.join(" ", commands.get(i)) + "\n"
                            + tail(out));
                }
                long frames = 0;
                for (Matcher f = FRAMES.matcher(out); f.find(); ) {
                    frames = Long.parseLong(f.group(1)); // the last report is the total
                }
                times.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), frames});
            }
            return times;
        } finally {
            processes.forEach(Process::destroyForcibly);
            for (Path log : logs) {
                Files.deleteIfExists(log);
            }
        }
    }

    private static String tail(String out) {
        String[] lines = out.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 5), lines.length));
    }

    /** The system's ffmpeg when on the PATH, else the executable bundled in JavaCV's FFmpeg jar. */
    static synchronized String binary() {
        if (binary == null) {
            binary = onPath("ffmpeg");
            if (binary == null) {
                binary = bundled();
            }
        }
        return binary;
    }

    private static String binary;

    /**
     * JavaCV's ffmpeg executable, extracted into JavaCPP's cache with every FFmpeg library it links against
     * (libavdevice included: loading only the libraries the engine uses left it out, and the executable did not start).
     */
    private static String bundled() {
        String exe = org.bytedeco.javacpp.Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        if (exe == null || !new File(exe).canExecute()) {
            throw new IllegalStateException("JavaCV's FFmpeg jar has no ffmpeg executable");
        }
        return exe;
    }

    /** The executable {@code name} on the PATH, or null. */
    static String onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }
}

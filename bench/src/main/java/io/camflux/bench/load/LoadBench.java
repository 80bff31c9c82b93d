package io.camflux.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** One bench invocation: for each N, the ffmpeg baseline then the engine on the same streams; then the report. */
final class LoadBench {
    private final LoadOptions options;
    private final Path root;

    LoadBench(LoadOptions options) {
        this.options = options;
        this.root = Path.of(System.getProperty("camflux.root", ".")).toAbsolutePath().normalize();
    }

    void run() throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path clip = new BenchMedia(root.resolve(".cache/media"))
                .clip(options.scene(), options.height(), options.duration().toSeconds() + 40);
        List<RunResult> results = new ArrayList<>();
        for (int n : options.cameras()) {
            try (RtspCameras cameras = new RtspCameras(root, clip, n)) {
                System.err.printf("bench: %d cameras, baseline (ffmpeg -f null) for %d s%n", n,
                        options.duration().toSeconds());
                FfmpegBaseline.Result baseline = FfmpegBaseline.run(cameras, n, options.duration());
                System.err.printf("bench: %d cameras, engine for %d s%n", n, options.duration().toSeconds());
                RunResult r = EngineLoadRun.run(cameras, options, n, baseline);
                results.add(r);
                System.err.println(markdownRow(r));
            }
        }
        write(results);
    }

    private void write(List<RunResult> results) throws IOException {
        Files.createDirectories(options.out());
        String stem = options.name() + "-" + LocalDate.now();
        ObjectMapper json = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", options.name());
        doc.put("date", LocalDate.now().toString());
        doc.put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name")
                + ", Java " + Runtime.version());
        doc.put("command", "java -jar bench/target/camflux-bench.jar " + String.join(" ", commandLine()));
        doc.put("runs", results);
        json.writeValue(options.out().resolve(stem + ".json").toFile(), doc);
        StringBuilder md = new StringBuilder("# ").append(options.name()).append(" (").append(LocalDate.now())
                .append(")\n\n").append("Command: `").append(doc.get("command")).append("`  \nMachine: ")
                .append(doc.get("machine")).append("\n\n").append(markdownHeader());
        for (RunResult r : results) {
            md.append(markdownRow(r)).append('\n');
        }
        if (options.sweep()) {
            int best = results.stream().filter(RunResult::sustained).mapToInt(RunResult::cameras).max().orElse(0);
            md.append("\nLargest N sustained (every camera >= 95% of max_fps sampled, e2e p99 < 1 s, nothing lost): **")
                    .append(best).append("**\n");
            sweepCharts(results, stem);
        }
        RunResult last = results.get(results.size() - 1);
        md.append("\nPer camera, N = ").append(last.cameras()).append(":\n\n")
                .append("| camera | source fps | sampled fps | inferred fps | motion pass | dropped |\n|---|---|---|---|---|---|\n");
        for (RunResult.CameraResult c : last.perCamera()) {
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %s |%n", c.camera(), c.sourceFps(),
                    c.sampledFps(), c.inferredFps(), c.motionPassRate(), c.dropped()));
        }
        fpsChart(last, stem);
        Files.writeString(options.out().resolve(stem + ".md"), md.toString());
        System.err.println("bench: wrote " + options.out().resolve(stem) + ".{json,md,png}");
        System.out.print(md);
    }

    private List<String> commandLine() {
        List<String> args = new ArrayList<>();
        if (options.sweep()) {
            args.add("--sweep");
            args.add(String.join(",", options.cameras().stream().map(String::valueOf).toList()));
        } else {
            args.add("--cameras");
            args.add(String.valueOf(options.cameras().get(0)));
        }
        args.addAll(List.of("--duration", options.duration().toSeconds() + "s", "--resolution", options.height() + "p",
                "--scene", options.scene(), "--max-fps", String.valueOf(options.maxFps()), "--motion",
                options.motion() ? "on" : "off", "--batch", String.valueOf(options.batch())));
        return args;
    }

    static String markdownHeader() {
        return "| N | sampled fps (min per camera) | batches/s | mean batch | inference p50/p95/p99 ms | e2e p50/p95/p99 ms"
                + " | detections/s | events lost | CPU s per camera-s | ffmpeg CPU s per camera-s | engine / ffmpeg"
                + " | RSS start→end MB | GC s | sustained |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    }

    static String markdownRow(RunResult r) {
        double minSampled = r.perCamera().stream().mapToDouble(RunResult.CameraResult::sampledFps).min().orElse(0);
        RunResult.Pipeline p = r.pipeline();
        RunResult.Baseline b = r.baseline();
        return String.format(Locale.ROOT,
                "| %d | %.2f | %.1f | %.2f | %.0f/%.0f/%.0f | %.0f/%.0f/%.0f | %.1f | %d | %.3f | %s | %s | %d→%d | %.2f | %s |",
                r.cameras(), minSampled, p.batchesPerS(), p.meanBatch(), p.inferenceP50Ms(), p.inferenceP95Ms(),
                p.inferenceP99Ms(), p.e2eP50Ms(), p.e2eP95Ms(), p.e2eP99Ms(), p.detectionsPerS(), p.eventsLost(),
                r.process().cpuPerCameraSecond(), b == null ? "-" : String.format(Locale.ROOT, "%.3f", b.ffmpegCpuPerCameraSecond()),
                b == null ? "-" : String.format(Locale.ROOT, "%.2f", b.engineOverBaseline()), r.process().rssStartMb(),
                r.process().rssEndMb(), r.process().gcPauseS(), r.sustained() ? "yes" : "no");
    }

    private void fpsChart(RunResult r, String stem) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(450).title("Decoded fps per camera, N = " + r.cameras())
                .xAxisTitle("s").yAxisTitle("frames per second").build();
        for (RunResult.CameraResult c : r.perCamera()) {
            List<Double> t = new ArrayList<>(), fps = new ArrayList<>();
            for (Map<String, Object> point : r.fpsTimeline()) {
                t.add(((Number) point.get("t_s")).doubleValue());
                fps.add(((Number) point.get(c.camera())).doubleValue());
            }
            if (!t.isEmpty()) {
                chart.addSeries(c.camera(), t, fps);
            }
        }
        chart.getStyler().setLegendVisible(r.cameras() <= 16);
        BitmapEncoder.saveBitmap(chart, options.out().resolve(stem + "-fps").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private void sweepCharts(List<RunResult> results, String stem) throws IOException {
        List<Double> n = results.stream().map(r -> (double) r.cameras()).toList();
        XYChart latency = new XYChartBuilder().width(700).height(450).title("End-to-end latency vs cameras")
                .xAxisTitle("cameras").yAxisTitle("ms").build();
        latency.addSeries("p50", n, results.stream().map(r -> r.pipeline().e2eP50Ms()).toList());
        latency.addSeries("p95", n, results.stream().map(r -> r.pipeline().e2eP95Ms()).toList());
        latency.addSeries("p99", n, results.stream().map(r -> r.pipeline().e2eP99Ms()).toList());
        BitmapEncoder.saveBitmap(latency, options.out().resolve(stem + "-latency").toString(),
                BitmapEncoder.BitmapFormat.PNG);
        XYChart cpu = new XYChartBuilder().width(700).height(450).title("CPU vs cameras").xAxisTitle("cameras")
                .yAxisTitle("cores").build();
        cpu.addSeries("engine", n, results.stream().map(r -> r.process().cpuSeconds() / r.durationS()).toList());
        cpu.addSeries("ffmpeg -f null", n, results.stream().map(r -> r.baseline() == null ? 0.0
                : r.baseline().ffmpegCpuSeconds() / options.duration().toSeconds()).toList());
        BitmapEncoder.saveBitmap(cpu, options.out().resolve(stem + "-cpu").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}

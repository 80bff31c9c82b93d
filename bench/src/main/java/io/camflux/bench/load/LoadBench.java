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
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import io.camflux.bench.gpu.DecodeBench;
import io.camflux.engine.config.VideoDecoder;
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
        Path clip = options.clip() != null ? options.clip() : new BenchMedia(root.resolve(".cache/media"))
                .clip(options.scene(), options.height(), options.duration().toSeconds() + 40, options.gopSeconds());
        List<DecodeBench.Ceiling> ceilings = options.ceilings() ? ceilings(clip, options.decode()) : List.of();
        List<RunResult> results = new ArrayList<>();
        List<RunResult> compared = new ArrayList<>();
        boolean comparing = options.compareDecodeJson() != null;
        boolean climbing = true;
        boolean comparedClimbing = comparing;
        for (int n : options.cameras()) {
            if (!climbing && !comparedClimbing) {
                break;
            }
            try (CameraSet cameras = options.source().equals("files") ? CameraSet.files(clip)
                    : new RtspCameras(root, clip, n)) {
                FfmpegBaseline.Result baseline = null;
                if (options.baseline()) {
                    System.err.printf("bench: %d cameras, baseline (ffmpeg -f null) for %d s%n", n,
                            options.duration().toSeconds());
                    baseline = FfmpegBaseline.run(cameras, n, options.duration());
                }
                if (comparedClimbing) {
                    // with --compare-decode, the same N with the other decode node first, in this invocation
                    System.err.printf("bench: %d cameras, engine with decode %s%n", n, options.compareDecodeJson());
                    RunResult r = EngineLoadRun.run(cameras, options.withDecodeJson(options.compareDecodeJson()), n,
                            baseline);
                    compared.add(r);
                    System.err.println(markdownRow(r));
                    comparedClimbing = !options.sweep() || r.sustained();
                }
                if (!climbing) {
                    continue;
                }
                // with --churn, the same N without churn first: the baseline of the churned run, in this invocation
                for (double churn : options.churnPerMinute() > 0 ? new double[] {0, options.churnPerMinute()}
                        : new double[] {0}) {
                    System.err.printf("bench: %d cameras, engine for %d s%s%n", n, options.duration().toSeconds(),
                            churn > 0 ? String.format(Locale.ROOT, ", one more camera added and removed %.0f times a"
                                    + " minute", churn) : "");
                    RunResult r = EngineLoadRun.run(cameras, options.withChurn(churn), n, baseline);
                    results.add(r);
                    System.err.println(markdownRow(r));
                    if (r.models() != null) {
                        r.models().forEach((model, m) -> System.err.printf(Locale.ROOT, "bench: model %s: %d cameras,"
                                + " inferred %.1f fps, detected %.1f objects/s, inference p50 %.0f ms%n", model,
                                m.cameras(), m.inferredFps(), m.detectionsPerS(), m.inferenceP50Ms()));
                    }
                    climbing = !comparing || !options.sweep() || r.sustained();
                }
            }
        }
        write(results, compared, clip, ceilings);
    }

    /**
     * The host's decode ceilings through the engine's own readers, in this process, converting every 4th frame (about
     * 6 of 25, as the sampler keeps): as many CPU streams as cores, 3x as many, and (on a host with nvidia-smi) 32, 64
     * and 96 NVDEC streams.
     */
    private static List<DecodeBench.Ceiling> ceilings(Path clip, io.camflux.engine.config.DecodeConfig decode)
            throws Exception {
        List<DecodeBench.Ceiling> out = new ArrayList<>();
        int cores = Runtime.getRuntime().availableProcessors();
        for (int streams : new int[] {cores, 3 * cores}) {
            out.add(ceiling(clip, VideoDecoder.CPU, streams, decode));
        }
        if (FfmpegBaseline.onPath("nvidia-smi") != null) {
            for (int streams : new int[] {32, 64, 96}) {
                out.add(ceiling(clip, VideoDecoder.NVDEC, streams, decode));
            }
        }
        return out;
    }

    private static DecodeBench.Ceiling ceiling(Path clip, VideoDecoder decoder, int streams,
                                               io.camflux.engine.config.DecodeConfig decode) throws Exception {
        DecodeBench.Ceiling c = DecodeBench.measure(clip, streams, decoder, 8, 4, decode);
        System.err.printf(Locale.ROOT, "bench: decode ceiling, %d %s streams: %.0f frames/s, %.1f cores%n", streams,
                c.decodersUsed(), c.framesPerSecond(), c.cpuCores());
        return c;
    }

    private void write(List<RunResult> results, List<RunResult> compared, Path clip,
                       List<DecodeBench.Ceiling> ceilings) throws IOException {
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
        doc.put("clip", clip.getFileName().toString());
        doc.put("decode_ceilings", ceilings);
        doc.put("runs", results);
        if (!compared.isEmpty()) {
            doc.put("compare_decode", options.compareDecodeJson());
            doc.put("compared_runs", compared);
        }
        json.writeValue(options.out().resolve(stem + ".json").toFile(), doc);
        StringBuilder md = new StringBuilder("# ").append(options.name()).append(" (").append(LocalDate.now())
                .append(")\n\n").append("Command: `").append(doc.get("command")).append("`  \nMachine: ")
                .append(doc.get("machine")).append("  \nCameras: ").append(options.source().equals("files")
                        ? "looping files paced at 25 fps" : "RTSP on loopback").append(", clip ")
                .append(clip.getFileName()).append(", provider ").append(options.provider()).append(", decoder ")
                .append(options.decoder()).append(", batch ").append(options.batch()).append(" (shapes ")
                .append(options.shapes()).append(")\n\n");
        if (!ceilings.isEmpty()) {
            md.append("Decode ceilings (the engine's reader, streams of the clip decoded as fast as they go, in this "
                    + "process):\n\n| decoder | streams | decoders used | frames/s | CPU cores |\n|---|---|---|---|---|\n");
            for (DecodeBench.Ceiling c : ceilings) {
                md.append(String.format(Locale.ROOT, "| %s | %d | %s | %.0f | %.1f |%n",
                        c.decoder(), c.streams(), c.decodersUsed(),
                        c.framesPerSecond(), c.cpuCores()));
            }
            md.append('\n');
        }
        md.append(markdownHeader());
        for (RunResult r : results) {
            md.append(markdownRow(r)).append('\n');
        }
        if (options.sweep()) {
            int best = largestSustained(results);
            md.append("\nLargest N sustained (every camera >= 95% of max_fps sampled, e2e p99 < 1 s, nothing lost): **")
                    .append(best).append("**\n");
            charts(() -> sweepCharts(results, stem));
        }
        if (!compared.isEmpty()) {
            md.append("\nThe same N first with `--compare-decode '").append(options.compareDecodeJson())
                    .append("'`, in this invocation (each sweep ends at its first N not sustained):\n\n")
                    .append(markdownHeader());
            for (RunResult r : compared) {
                md.append(markdownRow(r)).append('\n');
            }
            int best = largestSustained(results);
            int baseline = largestSustained(compared);
            md.append(String.format(Locale.ROOT, "%nLargest N sustained: **%d** with `--decode%s`, %d with"
                    + " `--compare-decode`: **%s**%n", best, options.decodeJson() == null ? " (defaults)"
                    : " '" + options.decodeJson() + "'", baseline,
                    baseline == 0 ? "no baseline sustained" : String.format(Locale.ROOT, "%.1fx", (double) best / baseline)));
        }
        if (results.stream().anyMatch(r -> r.models() != null)) {
            md.append("\nBy model (the cameras alternate between them):\n\n| N | model | cameras | inferred fps (all its"
                    + " cameras) | detected objects/s | batches/s | mean batch | inference p50/p99 ms |\n"
                    + "|---|---|---|---|---|---|---|---|\n");
            for (RunResult r : results) {
                if (r.models() != null) {
                    r.models().forEach((model, m) -> md.append(String.format(Locale.ROOT,
                            "| %d | %s | %d | %.1f | %.1f | %.1f | %.2f | %.0f/%.0f |%n", r.cameras(), model, m.cameras(),
                            m.inferredFps(), m.detectionsPerS(), m.batchesPerS(), m.meanBatch(), m.inferenceP50Ms(),
                            m.inferenceP99Ms())));
                }
            }
        }
        md.append("\nStart-up, before each window: ");
        md.append(String.join("; ", results.stream().map(r -> String.format(Locale.ROOT,
                "N = %d: %d frames detected (%.1f per camera)", r.cameras(), r.startupInferred(),
                (double) r.startupInferred() / r.cameras())).toList())).append("\n");
        RunResult last = results.get(results.size() - 1);
        md.append("\nBy decoder, N = ").append(last.cameras()).append(":\n\n")
                .append("| decoder | cameras | source fps min / median | sampled fps min / median |\n|---|---|---|---|\n");
        last.perCamera().stream().collect(Collectors.groupingBy(c -> String.valueOf(c.decoder()), TreeMap::new,
                        Collectors.toList()))
                .forEach((decoder, group) -> md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s |%n", decoder,
                        group.size(), minMedian(group, RunResult.CameraResult::sourceFps),
                        minMedian(group, RunResult.CameraResult::sampledFps))));
        md.append("\nPer camera, N = ").append(last.cameras()).append(":\n\n")
                .append("| camera | decoder | source fps | sampled fps | inferred fps | motion pass | dropped |\n"
                        + "|---|---|---|---|---|---|---|\n");
        for (RunResult.CameraResult c : last.perCamera()) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.2f | %.2f | %s |%n", c.camera(),
                    c.decoder(), c.sourceFps(),
                    c.sampledFps(), c.inferredFps(), c.motionPassRate(), c.dropped()));
        }
        charts(() -> fpsChart(last, stem));
        Files.writeString(options.out().resolve(stem + ".md"), md.toString());
        System.err.println("bench: wrote " + options.out().resolve(stem) + ".{json,md,png}");
        System.out.print(md);
    }

    private static int largestSustained(List<RunResult> runs) {
        return runs.stream().filter(RunResult::sustained).mapToInt(RunResult::cameras).max().orElse(0);
    }

    /** "min / median" of one figure over {@code cameras}. */
    private static String minMedian(List<RunResult.CameraResult> cameras,
                                    ToDoubleFunction<RunResult.CameraResult> figure) {
        double[] sorted = cameras.stream().mapToDouble(figure).sorted().toArray();
        return String.format(Locale.ROOT, "%.2f / %.2f", sorted[0], sorted[sorted.length / 2]);
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
        args.addAll(List.of("--duration", options.duration().toSeconds() + "s"));
        if (options.clip() == null) {
            args.addAll(List.of("--resolution", options.height() + "p")); // a clip has its own
        }
        args.addAll(List.of("--scene", options.scene(), "--max-fps", String.valueOf(options.maxFps()), "--motion",
                options.motion() ? "on" : "off", "--batch", String.valueOf(options.batch()), "--source",
                options.source(), "--provider", options.provider().name().toLowerCase(Locale.ROOT), "--decoder",
                options.decoder().name().toLowerCase(Locale.ROOT), "--shapes",
                options.shapes().name().toLowerCase(Locale.ROOT)));
        if (options.clip() != null) {
            args.addAll(List.of("--clip", options.clip().getFileName().toString()));
        }
        options.cudaOptions().forEach((k, v) -> args.addAll(List.of("--cuda-option", k + "=" + v)));
        if (options.ceilings()) {
            args.add("--ceilings");
        }
        if (!options.baseline()) {
            args.add("--no-baseline");
        }
        if (options.decodeJson() != null) {
            args.addAll(List.of("--decode", "'" + options.decodeJson() + "'"));
        }
        if (options.compareDecodeJson() != null) {
            args.addAll(List.of("--compare-decode", "'" + options.compareDecodeJson() + "'"));
        }
        if (options.gopSeconds() != 2) {
            args.addAll(List.of("--gop", String.valueOf(options.gopSeconds())));
        }
        if (!options.stagger().isZero()) {
            args.addAll(List.of("--stagger", options.stagger().toMillis() + "ms"));
        }
        return args;
    }

    static String markdownHeader() {
        return "| N | sampled fps min/median per camera | detected fps min/median | batches/s | mean batch"
                + " | inference p50/p95/p99 ms | e2e p50/p95/p99 ms | detections/s | events lost | CPU cores (RTSP server)"
                + " | CPU s per camera-s | ffmpeg CPU s per camera-s | engine / ffmpeg (per frame) | GPU % / NVDEC % / MiB"
                + " | cameras on NVDEC | RSS start→end MB | GC s | drain s | sustained |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    }

    static String markdownRow(RunResult r) {
        RunResult.Pipeline p = r.pipeline();
        RunResult.Baseline b = r.baseline();
        RunResult.Gpu g = r.gpu();
        return String.format(Locale.ROOT,
                "| %s | %s | %s | %.1f | %.2f | %.0f/%.0f/%.0f | %.0f/%.0f/%.0f | %.1f | %d | %.2f (%.2f) | %.3f | %s | %s | %s | %d | %d→%d | %.2f | %.1f | %s |",
                label(r), minMedian(r.perCamera(), RunResult.CameraResult::sampledFps),
                minMedian(r.perCamera(), RunResult.CameraResult::inferredFps),
                p.batchesPerS(), p.meanBatch(), p.inferenceP50Ms(), p.inferenceP95Ms(),
                p.inferenceP99Ms(), p.e2eP50Ms(), p.e2eP95Ms(), p.e2eP99Ms(), p.detectionsPerS(), p.eventsLost(),
                r.process().cpuSeconds() / r.durationS(), r.process().serverCores(), r.process().cpuPerCameraSecond(),
                b == null ? "-" : String.format(Locale.ROOT, "%.3f", b.ffmpegCpuPerCameraSecond()),
                b == null ? "-" : String.format(Locale.ROOT, "%.2f (%.2f)", b.engineOverBaseline(),
                        b.engineOverBaselinePerFrame()),
                g == null ? "-" : String.format(Locale.ROOT, "%.0f / %.0f / %d", g.utilizationPct(), g.decoderPct(),
                        g.memoryMaxMib()),
                r.nvdecCameras(), r.process().rssStartMb(), r.process().rssEndMb(), r.process().gcPauseS(), r.drainS(),
                r.sustained() ? "yes" : "no");
    }

    /** N, and with churn what it did: the N cameras' figures follow, the churned camera is not among them. */
    private static String label(RunResult r) {
        RunResult.Churn c = r.churn();
        return c == null ? Integer.toString(r.cameras()) : String.format(Locale.ROOT, "%d + churn %.0f/min (%d adds, %d"
                + " removes; add → first detection p50 %.0f / p95 %.0f ms)", r.cameras(), c.perMinute(), c.adds(),
                c.removes(), c.addToFirstDetectionMedianMs(), c.addToFirstDetectionP95Ms());
    }

    interface Chart {
        void draw() throws IOException;
    }

    /** A host without fonts (a GPU host's bare image) cannot draw charts: the tables are still written. */
    private static void charts(Chart chart) throws IOException {
        try {
            chart.draw();
        } catch (RuntimeException | Error e) {
            System.err.println("bench: no charts on this host (" + e.getMessage() + ")");
        }
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

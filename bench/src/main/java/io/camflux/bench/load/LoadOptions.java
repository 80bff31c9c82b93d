package io.camflux.bench.load;

import io.camflux.engine.cli.DurationArgument;
import io.camflux.engine.config.VideoDecoder;
import io.camflux.model.BatchShapes;
import io.camflux.model.ExecutionProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What one bench invocation runs. */
record LoadOptions(List<Integer> cameras, boolean sweep, Duration duration, int height, String scene, double maxFps,
                   boolean motion, int batch, int instances, String name, Path out, boolean help, String source,
                   Path clip, ExecutionProvider provider, VideoDecoder decoder, BatchShapes.Policy shapes,
                   boolean ceilings, boolean baseline, java.util.Map<String, String> cudaOptions,
                   double churnPerMinute, String decodeJson, String compareDecodeJson, int gopSeconds, int models,
                   Duration stagger) {

    static final String USAGE = """
            Usage: java -jar bench/target/camflux-bench.jar [--cameras N | --sweep 1,2,4,8,16] [--duration 60s]
                     [--resolution 720p|1080p] [--scene busy|static] [--max-fps 6] [--motion on|off] [--batch 8]
                     [--instances 2] [--name NAME] [--out bench/results]
                     [--source rtsp|files] [--clip FILE] [--provider auto|cpu|cuda] [--decoder auto|cpu|nvdec]
                     [--shapes auto|exact|max] [--ceilings] [--no-baseline] [--cuda-option KEY=VALUE]...
                     [--churn ADDS_AND_REMOVES_PER_MINUTE] [--decode JSON] [--compare-decode JSON] [--gop SECONDS]
                     [--models 1|2] [--stagger 1s]
                   java -jar bench/target/camflux-bench.jar jmh [JMH options]

            Serves N cameras of recorded 25 fps H.264 over RTSP (scripts/rtsp_server.py, loopback), measures the
            same N streams decoded by ffmpeg -f null (the baseline) and then by the engine, in this invocation,
            and writes bench/results/NAME-DATE.{json,md} and PNG plots. --sweep runs each N and reports the
            largest that is sustained (every camera >= 95% of max_fps sampled, e2e p99 < 1 s, nothing lost).
            Needs CAMFLUX_MODEL_DIR (or internet) for the model, ffmpeg, and the RTSP server's packages.
            --source files: every camera reads the clip (--clip, else the bench's own) as a looping file paced at
            25 fps, as a live camera delivers frames: no RTSP server, for GPU hosts; --ceilings first measures the
            host's decode ceilings (the engine's reader decoding as fast as it can, CPU and NVDEC); GPU and NVDEC
            utilisation come from nvidia-smi where it exists. --churn R runs each N twice, without and then with
            one more camera added and removed R times a minute beside the N, and reports the N cameras' figures and
            the time from each add to that camera's first detection event. --decode takes the worker config's
            decode node ('{"nvdec": {"frames_per_second": 3000, "contexts": 2}}'), validated as the config is;
            --compare-decode runs each N first with another decode node, in this invocation, each of the two sweeps
            ending at its first N not sustained, and reports both and the ratio of their largest N sustained.
            --gop: the made clip's key-frame interval in seconds (default 2). --models 2: the cameras alternate between
            two models in one worker, the default (YOLOX-Nano at 416) and "small" (YOLOX-Nano at 320), each batching
            its own cameras; the report gives each model's inferred and detected rates and latencies. --stagger T starts
            the cameras one by one over T (the first at once, the others added while it runs), so that files played
            from their start do not send their key frames all in the same instant, as live cameras never do.""";

    /** The worker config's {@code decode} the engine runs with ({@code --decode}). */
    io.camflux.engine.config.DecodeConfig decode() {
        return decodeJson == null ? io.camflux.engine.config.DecodeConfig.DEFAULTS
                : io.camflux.engine.config.ConfigLoader.parseDecode(decodeJson);
    }

    /** The same options with another {@code decode} node (JSON; null: the defaults). */
    LoadOptions withDecodeJson(String json) {
        return new LoadOptions(cameras, sweep, duration, height, scene, maxFps, motion, batch, instances, name, out,
                help, source, clip, provider, decoder, shapes, ceilings, baseline, cudaOptions, churnPerMinute, json,
                compareDecodeJson, gopSeconds, models, stagger);
    }

    /** The same options with another churn rate (0: none). */
    LoadOptions withChurn(double perMinute) {
        return new LoadOptions(cameras, sweep, duration, height, scene, maxFps, motion, batch, instances, name, out,
                help, source, clip, provider, decoder, shapes, ceilings, baseline, cudaOptions, perMinute, decodeJson,
                compareDecodeJson, gopSeconds, models, stagger);
    }

    static LoadOptions parse(String[] args) {
        List<Integer> cameras = List.of(4);
        boolean sweep = false;
        Duration duration = Duration.ofSeconds(60);
        int height = 720;
        String scene = "busy";
        double maxFps = 6;
        boolean motion = true;
        int batch = 8;
        int instances = io.camflux.model.DetectorSettings.DEFAULT_INSTANCES;
        String name = null;
        Path out = Path.of("bench/results");
        String source = "rtsp";
        Path clip = null;
        ExecutionProvider provider = ExecutionProvider.AUTO;
        VideoDecoder decoder = VideoDecoder.CPU;
        BatchShapes.Policy shapes = BatchShapes.Policy.AUTO;
        boolean ceilings = false;
        boolean baseline = true;
        java.util.Map<String, String> cudaOptions = new java.util.LinkedHashMap<>();
        double churn = 0;
        String decode = null;
        String compareDecode = null;
        int gop = 2;
        int models = 1;
        Duration stagger = Duration.ZERO;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    return new LoadOptions(cameras, false, duration, height, scene, maxFps, motion, batch, instances, "", out,
                            true, source, clip, provider, decoder, shapes, ceilings, baseline, cudaOptions, churn, decode, compareDecode, gop, models, stagger);
                }
                case "--cameras" -> cameras = List.of(positive(value(args, ++i, a), a));
                case "--sweep" -> {
                    sweep = true;
                    List<Integer> list = new ArrayList<>();
                    for (String n : value(args, ++i, a).split(",")) {
                        list.add(positive(n.trim(), a));
                    }
                    cameras = List.copyOf(list);
                }
                case "--duration" -> {
                    duration = DurationArgument.parse(value(args, ++i, a));
                    if (duration.toSeconds() < 5) {
                        throw new IllegalArgumentException("--duration must be at least 5s");
                    }
                }
                case "--resolution" -> {
                    String v = value(args, ++i, a);
                    if (!v.equals("720p") && !v.equals("1080p")) {
                        throw new IllegalArgumentException("--resolution must be 720p or 1080p");
                    }
                    height = Integer.parseInt(v.substring(0, v.length() - 1));
                }
                case "--scene" -> {
                    scene = value(args, ++i, a);
                    if (!scene.equals("busy") && !scene.equals("static")) {
                        throw new IllegalArgumentException("--scene must be busy or static");
                    }
                }
                case "--max-fps" -> maxFps = Double.parseDouble(value(args, ++i, a));
                case "--motion" -> motion = value(args, ++i, a).equals("on");
                case "--batch" -> batch = positive(value(args, ++i, a), a);
                case "--instances" -> instances = positive(value(args, ++i, a), a);
                case "--name" -> name = value(args, ++i, a);
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--source" -> {
                    source = value(args, ++i, a);
                    if (!source.equals("rtsp") && !source.equals("files")) {
                        throw new IllegalArgumentException("--source must be rtsp or files");
                    }
                }
                case "--clip" -> clip = Path.of(value(args, ++i, a));
                case "--provider" -> provider = parsed(a, value(args, ++i, a), ExecutionProvider::parse);
                case "--decoder" -> decoder = parsed(a, value(args, ++i, a), VideoDecoder::parse);
                case "--shapes" -> shapes = parsed(a, value(args, ++i, a), BatchShapes.Policy::parse);
                case "--ceilings" -> ceilings = true;
                case "--no-baseline" -> baseline = false;
                case "--churn" -> {
                    churn = Double.parseDouble(value(args, ++i, a));
                    if (!(churn > 0)) {
                        throw new IllegalArgumentException("--churn must be > 0 changes a minute");
                    }
                }
                case "--cuda-option" -> {
                    String[] kv = value(args, ++i, a).split("=", 2);
                    if (kv.length != 2) {
                        throw new IllegalArgumentException("--cuda-option needs KEY=VALUE");
                    }
                    cudaOptions.put(kv[0], kv[1]);
                }
                case "--decode" -> decode = validDecode(value(args, ++i, a));
                case "--compare-decode" -> compareDecode = validDecode(value(args, ++i, a));
                case "--gop" -> gop = positive(value(args, ++i, a), a);
                case "--stagger" -> stagger = DurationArgument.parse(value(args, ++i, a));
                case "--models" -> {
                    models = positive(value(args, ++i, a), a);
                    if (models > 2) {
                        throw new IllegalArgumentException("--models is 1 or 2");
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        if (name == null) {
            name = (sweep ? "sweep" : "load-" + cameras.get(0) + "cam") + "-" + height + "p-" + scene
                    + (motion ? "-motion" : "") + (source.equals("files") ? "-files" : "")
                    + (models > 1 ? "-models" + models : "");
        }
        return new LoadOptions(cameras, sweep, duration, height, scene, maxFps, motion, batch, instances, name, out,
                false, source, clip, provider, decoder, shapes, ceilings, baseline, java.util.Map.copyOf(cudaOptions),
                churn, decode, compareDecode, gop, models, stagger);
    }

    private static <T> T parsed(String flag, String value, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + " " + e.getMessage());
        }
    }

    /** The JSON of a decode node, once it is known to be valid (problems named by path). */
    private static String validDecode(String json) {
        io.camflux.engine.config.ConfigLoader.parseDecode(json);
        return json;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static int positive(String v, String flag) {
        int n = Integer.parseInt(v);
        if (n < 1) {
            throw new IllegalArgumentException(flag + " must be >= 1");
        }
        return n;
    }
}

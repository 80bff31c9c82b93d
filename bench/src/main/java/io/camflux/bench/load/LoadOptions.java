package io.camflux.bench.load;

import io.camflux.engine.cli.DurationArgument;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What one bench invocation runs. */
record LoadOptions(List<Integer> cameras, boolean sweep, Duration duration, int height, String scene, double maxFps,
                   boolean motion, int batch, int instances, String name, Path out, boolean help) {

    static final String USAGE = """
            Usage: java -jar bench/target/camflux-bench.jar [--cameras N | --sweep 1,2,4,8,16] [--duration 60s]
                     [--resolution 720p|1080p] [--scene busy|static] [--max-fps 6] [--motion on|off] [--batch 8]
                     [--instances 2] [--name NAME] [--out bench/results]
                   java -jar bench/target/camflux-bench.jar jmh [JMH options]

            Serves N cameras of recorded 25 fps H.264 over RTSP (scripts/rtsp_server.py, loopback), measures the
            same N streams decoded by ffmpeg -f null (the baseline) and then by the engine, in this invocation,
            and writes bench/results/NAME-DATE.{json,md} and PNG plots. --sweep runs each N and reports the
            largest that is sustained (every camera >= 95% of max_fps sampled, e2e p99 < 1 s, nothing lost).
            Needs CAMFLUX_MODEL_DIR (or internet) for the model, ffmpeg, and the RTSP server's packages.""";

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
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    return new LoadOptions(cameras, false, duration, height, scene, maxFps, motion, batch, instances, "", out,
                            true);
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
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        if (name == null) {
            name = (sweep ? "sweep" : "load-" + cameras.get(0) + "cam") + "-" + height + "p-" + scene
                    + (motion ? "-motion" : "");
        }
        return new LoadOptions(cameras, sweep, duration, height, scene, maxFps, motion, batch, instances, name, out,
                false);
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

package io.camflux.bench.load;

import java.util.Arrays;
import java.util.List;

/**
 * {@code java -jar bench/target/camflux-bench.jar [load options]} runs a load run (see {@link LoadOptions});
 * {@code ... jmh [JMH options]} runs the JMH micro-benchmarks; {@code ... gpu ...} the detector operator against
 * the raw session ({@link io.camflux.bench.gpu.GpuBench}); {@code ... decode ...} CPU against NVDEC decoding
 * ({@link io.camflux.bench.gpu.DecodeBench}); {@code ... shapes ...} what a change of batch size costs a session
 * ({@link io.camflux.bench.gpu.ShapeSwitchBench}); {@code ... soak ...} the chaos soak ({@link ChaosSoak}).
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("jmh")) {
            org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("soak")) {
            try {
                ChaosSoak.main(Arrays.copyOfRange(args, 1, args.length));
            } catch (IllegalArgumentException e) {
                System.err.println("camflux-bench soak: " + e.getMessage());
                System.exit(2);
            }
            System.exit(0);
        }
        if (args.length > 0 && args[0].equals("ffmpeg")) {
            // the ffmpeg the bench uses (the PATH's, else JavaCV's own), for hosts without one: e.g. making clips
            List<String> command = new java.util.ArrayList<>(List.of(FfmpegBaseline.binary()));
            command.addAll(Arrays.asList(args).subList(1, args.length));
            System.exit(new ProcessBuilder(command).inheritIO().start().waitFor());
        }
        if (args.length > 0 && List.of("gpu", "decode", "shapes", "tracks").contains(args[0])) {
            String[] rest = Arrays.copyOfRange(args, 1, args.length);
            try {
                switch (args[0]) {
                    case "gpu" -> io.camflux.bench.gpu.GpuBench.main(rest);
                    case "decode" -> io.camflux.bench.gpu.DecodeBench.main(rest);
                    case "tracks" -> io.camflux.bench.TrackSheet.main(rest);
                    default -> io.camflux.bench.gpu.ShapeSwitchBench.main(rest);
                }
            } catch (IllegalArgumentException e) {
                System.err.println("camflux-bench " + args[0] + ": " + e.getMessage());
                System.exit(2);
            }
            System.exit(0);
        }
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("camflux-bench: " + e.getMessage());
            System.err.println(LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(LoadOptions.USAGE);
            return;
        }
        new LoadBench(options).run();
        System.exit(0);
    }
}

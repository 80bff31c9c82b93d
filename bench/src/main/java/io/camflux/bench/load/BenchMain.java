package io.camflux.bench.load;

import java.util.Arrays;

/**
 * {@code java -jar bench/target/camflux-bench.jar [load options]} runs a load run (see {@link LoadOptions});
 * {@code ... jmh [JMH options]} runs the JMH micro-benchmarks; {@code ... gpu ...} the detector operator against
 * the raw session ({@link io.camflux.bench.gpu.GpuBench}); {@code ... decode ...} CPU against NVDEC decoding
 * ({@link io.camflux.bench.gpu.DecodeBench}).
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("jmh")) {
            org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && (args[0].equals("gpu") || args[0].equals("decode"))) {
            String[] rest = Arrays.copyOfRange(args, 1, args.length);
            try {
                if (args[0].equals("gpu")) {
                    io.camflux.bench.gpu.GpuBench.main(rest);
                } else {
                    io.camflux.bench.gpu.DecodeBench.main(rest);
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

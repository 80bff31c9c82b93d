package io.camflux.bench.gpu;

import com.sun.management.OperatingSystemMXBean;
import io.camflux.engine.config.ConfigLoader;
import io.camflux.engine.config.DecodeConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.config.VideoDecoder;
import io.camflux.engine.source.AnalysisSize;
import io.camflux.engine.source.DecoderBackend;
import io.camflux.engine.source.StreamReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code java -jar camflux-bench.jar decode --file CLIP [--streams 1,4,8,16] [--decoders cpu,nvdec] [--keep-every K]
 * [--seconds 8] [--out DIR]}: N parallel streams of the same file decoded as fast as they go, through the engine's
 * own readers, for each decoder ({@code cpu}: one FFmpeg thread per stream, as the engine runs them; {@code nvdec}:
 * the shared-device NVDEC reader, every stream on NVDEC whatever its budget); frames/s and CPU cores used (process
 * CPU time over wall time, both from a second in) in one table, written to {@code DIR/gpu-decode.md}. Every K-th
 * frame is converted to BGR at the engine's analysis size for the default detector (416x416 input: 1080p kept at
 * 416x234, scaled on the GPU first on NVDEC), as the engine does with the frames its sampler keeps (K = 4: about 6 of 25); without
 * {@code --keep-every} none is. {@code --check}: the kept pictures of each NVDEC path against the CPU decoder's
 * ({@link PictureCheck}), nothing timed.
 */
public final class DecodeBench {
    private DecodeBench() {
    }

    public static void main(String[] args) throws Exception {
        Path file = null, out = Path.of("bench/results");
        List<Integer> streams = List.of(1, 4, 8, 16);
        List<VideoDecoder> decoders = List.of(VideoDecoder.CPU, VideoDecoder.NVDEC);
        int keepEvery = 0, withCpu = 0;
        boolean paced = false, check = false;
        double seconds = 8;
        DecodeConfig decode = DecodeConfig.DEFAULTS;
        String decodeArgument = "";
        for (int i = 0; i < args.length; i += 2) {
            if (args[i].equals("--paced") || args[i].equals("--check")) {
                paced |= args[i].equals("--paced");
                check |= args[i].equals("--check");
                i--;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--file" -> file = Path.of(args[i + 1]);
                case "--streams" -> streams = Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                case "--decoders" -> decoders = Arrays.stream(args[i + 1].split(",")).map(VideoDecoder::parse).toList();
                case "--keep-every" -> keepEvery = Integer.parseInt(args[i + 1]);
                case "--with-cpu" -> withCpu = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                case "--decode" -> {
                    decodeArgument = args[i + 1];
                    decode = ConfigLoader.parseDecode(decodeArgument);
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (file == null) {
            throw new IllegalArgumentException("usage: decode --file CLIP [--streams LIST] [--decoders cpu,nvdec]"
                    + " [--keep-every K] [--with-cpu K] [--seconds S] [--paced] [--check] [--decode JSON] [--out DIR]");
        }
        if (check) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("decode-check.md"), PictureCheck.run(file, decode));
            return;
        }

        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, "# Decoding %s: CPU vs NVDEC, %d cores%n%n", file.getFileName(),
                Runtime.getRuntime().availableProcessors()));
        table.append(String.format(Locale.ROOT, "`java -jar camflux-bench.jar decode --file %s --streams %s --decoders %s"
                        + " --keep-every %d%s --seconds %d%s%s`%n%n", file.getFileName(), joined(streams), joined(decoders),
                keepEvery, withCpu > 0 ? " --with-cpu " + withCpu : "", (int) seconds, paced ? " --paced" : "",
                decode.equals(DecodeConfig.DEFAULTS) ? "" : " --decode '" + decodeArgument + "'"));
        if (paced) {
            table.append(String.format(Locale.ROOT, "Paced: every stream at its own frame rate, as a camera delivers it; a"
                    + " stream is sustained at >= %.2f of that rate. NVDEC through %s.%n%n",
                    SUSTAINED, decode.nvdec().decoder() == DecodeConfig.Decoder.CUVID ? "FFmpeg's CUVID decoder"
                            : "the NVDEC hwaccel"));
        }
        table.append("| streams | decoder | decoders used | frames/s total | frames/s per stream | CPU cores used | frames/s per core |"
                + (paced ? " per stream min / median | sustained |" : "") + "\n");
        table.append("|---:|---|---|---:|---:|---:|---:|" + (paced ? "---|---:|" : "") + "\n");
        System.out.print(table);
        for (int n : streams) {
            for (VideoDecoder decoder : decoders) {
                Ceiling c = measure(file, java.util.Collections.nCopies(n, decoder), seconds, keepEvery, paced, decode);
                String row = String.format(Locale.ROOT, "| %d | %s | %s | %.0f | %.1f | %.2f | %.0f |%s%n", n,
                        decoder.name().toLowerCase(Locale.ROOT), c.decodersUsed(), c.framesPerSecond(),
                        c.framesPerSecond() / n, c.cpuCores(), c.framesPerSecond() / c.cpuCores(), c.pacedColumns());
                System.out.print(row);
                table.append(row);
            }
            if (withCpu > 0) {
                // the host's decode ceiling: NVDEC's streams and CPU decoders on the cores at the same time
                List<VideoDecoder> both = new ArrayList<>(java.util.Collections.nCopies(n, VideoDecoder.NVDEC));
                both.addAll(java.util.Collections.nCopies(withCpu, VideoDecoder.CPU));
                Ceiling c = measure(file, both, seconds, keepEvery, paced, decode);
                String row = String.format(Locale.ROOT, "| %d + %d | nvdec + cpu | %s | %.0f (nvdec %.0f, cpu %.0f) | %.1f |"
                                + " %.2f | %.0f |%s%n", n, withCpu, c.decodersUsed(), c.framesPerSecond(),
                        c.framesPerSecond() - c.cpuFramesPerSecond(), c.cpuFramesPerSecond(),
                        c.framesPerSecond() / both.size(), c.cpuCores(), c.framesPerSecond() / c.cpuCores(),
                        c.pacedColumns());
                System.out.print(row);
                table.append(row);
            }
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("gpu-decode.md"), table);
    }

    private static String joined(List<?> values) {
        return String.join(",", values.stream().map(v -> v.toString().toLowerCase(Locale.ROOT)).toList());
    }

    /** What {@code streams} readers of one file decode together, as fast as they go, in this process. */
    /** @param decoder the decoders asked for ({@code cpu}, {@code nvdec}, {@code nvdec+cpu}) */
    public record Ceiling(int streams, String decoder, String decodersUsed, double framesPerSecond,
                          double cpuFramesPerSecond, double cpuCores, double[] perStream, double[] nominal) {
        /** Paced runs: the slowest and the median stream's frames/s, and how many kept up (else empty). */
        String pacedColumns() {
            if (nominal == null) {
                return "";
            }
            double[] sorted = perStream.clone();
            Arrays.sort(sorted);
            int sustained = 0;
            for (int i = 0; i < perStream.length; i++) {
                sustained += perStream[i] >= SUSTAINED * nominal[i] ? 1 : 0;
            }
            return String.format(Locale.ROOT, " %.1f / %.1f | %d of %d |", sorted[0], sorted[sorted.length / 2],
                    sustained, perStream.length);
        }
    }

    /** A paced stream keeps up at this fraction of its frame rate (the load bench's rule for sampled fps). */
    static final double SUSTAINED = 0.95;

    /** Converting every {@code keepEvery}-th frame of each stream to BGR (0: none). */
    public static Ceiling measure(Path file, int streams, VideoDecoder decoder, double seconds, int keepEvery,
                                  DecodeConfig decode) throws Exception {
        return measure(file, java.util.Collections.nCopies(streams, decoder), seconds, keepEvery, false, decode);
    }

    /**
     * One stream per entry of {@code decoders}, all at once; {@code paced}: each at its frame rate, as cameras send,
     * counted after a second of start-up, instead of as fast as it goes.
     */
    static Ceiling measure(Path file, List<VideoDecoder> decoders, double seconds, int keepEvery, boolean paced,
                           DecodeConfig decode) throws Exception {
        // the ceiling is what NVDEC does with every stream on it, not what the engine's budget gives it
        try (DecoderBackend backend = new DecoderBackend(decode.withNvdec(decode.nvdec().withFramesPerSecond(1e12)))) {
            return measure(file, decoders, seconds, keepEvery, paced, backend);
        }
    }

    private static Ceiling measure(Path file, List<VideoDecoder> decoders, double seconds, int keepEvery,
                                   boolean paced, DecoderBackend backend) throws Exception {
        int streams = decoders.size();
        List<StreamReader> readers = new ArrayList<>();
        AnalysisSize size = new AnalysisSize(416, 416, 0);
        for (VideoDecoder decoder : decoders) {
            readers.add(backend.open(new SourceConfig("decode", file.toString(), "bench", "bench", "tcp",
                    true, false, Duration.ofSeconds(10), List.of(), decoder), size));
        }
        Set<String> names = ConcurrentHashMap.newKeySet();
        readers.forEach(r -> names.add(r.decoderName()));
        AtomicLong frames = new AtomicLong(), cpuFrames = new AtomicLong();
        AtomicLong[] own = new AtomicLong[streams];
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        CountDownLatch done = new CountDownLatch(streams);
        long begin = System.nanoTime();
        // counted from a common instant a second in: every thread is then running (at its rate, paced), and every
        // decoder made (FFmpeg's CUVID decoder makes its own when the reader opens, the direct one at the first
        // sequence header: counted from the start, the direct decoder's creation was a sixth of its CPU)
        long from = begin + 1_000_000_000L;
        long deadline = from + (long) (seconds * 1e9);
        for (int i = 0; i < streams; i++) {
            StreamReader reader = readers.get(i);
            own[i] = new AtomicLong();
            AtomicLong[] counters = decoders.get(i) == VideoDecoder.CPU ? new AtomicLong[] {frames, cpuFrames, own[i]}
                    : new AtomicLong[] {frames, own[i]};
            Pace pace = paced ? new Pace(reader.frameRate(), begin) : null;
            Thread t = new Thread(() -> decodeUntil(reader, deadline, keepEvery, counters, done, pace), "decode");
            t.setDaemon(true);
            t.start();
        }
        java.util.concurrent.locks.LockSupport.parkNanos(Math.max(0, from - System.nanoTime()));
        for (AtomicLong c : counters(frames, cpuFrames, own)) {
            c.set(0);
        }
        ThreadSampler sampler = ThreadSampler.start("decode");
        long cpuStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        done.await();
        double wall = (System.nanoTime() - start) / 1e9;
        System.err.printf(Locale.ROOT, "decode %d %s streams, where the decoding threads were (top frames of %d samples): %s%n",
                streams, joined(new ArrayList<>(new java.util.LinkedHashSet<>(decoders))), sampler.samples(), sampler.stop());
        double cores = (os.getProcessCpuTime() - cpuStart) / 1e9 / wall;
        double[] nominal = paced ? new double[streams] : null;
        for (int i = 0; paced && i < streams; i++) {
            nominal[i] = Pace.rate(readers.get(i).frameRate()); // while open: a closed reader knows nothing
        }
        readers.forEach(StreamReader::close);
        String asked = String.join("+", new java.util.LinkedHashSet<>(decoders).stream()
                .map(d -> d.name().toLowerCase(Locale.ROOT)).toList());
        double[] perStream = new double[streams];
        for (int i = 0; i < streams; i++) {
            perStream[i] = own[i].get() / wall;
        }
        return new Ceiling(streams, asked, String.join(",", names), frames.get() / wall, cpuFrames.get() / wall, cores,
                perStream, nominal);
    }

    private static List<AtomicLong> counters(AtomicLong frames, AtomicLong cpuFrames, AtomicLong[] own) {
        List<AtomicLong> all = new ArrayList<>(Arrays.asList(own));
        all.add(frames);
        all.add(cpuFrames);
        return all;
    }

    /**
     * A camera's schedule: frame k is due at {@code phase + k / rate}, the phase drawn within the first interval
     * (cameras are not in step with each other). A stream that falls more than a second behind is not allowed to
     * burst beyond it, as a camera's sender would have dropped or the network buffered no more.
     */
    static final class Pace {
        private final long intervalNanos;
        private long due;

        Pace(double frameRate, long from) {
            this.intervalNanos = (long) (1e9 / rate(frameRate));
            this.due = from + java.util.concurrent.ThreadLocalRandom.current().nextLong(intervalNanos);
        }

        static double rate(double frameRate) {
            return frameRate > 0 && frameRate <= 120 ? frameRate : 25;
        }

        void await() {
            long now = System.nanoTime();
            due = Math.max(due + intervalNanos, now - 1_000_000_000L);
            if (due > now) {
                java.util.concurrent.locks.LockSupport.parkNanos(due - now);
            }
        }
    }

    private static void decodeUntil(StreamReader reader, long deadline, int keepEvery, AtomicLong[] frames,
                                    CountDownLatch done, Pace pace) {
        long[] count = {0};
        try {
            while (System.nanoTime() < deadline) {
                if (pace != null) {
                    pace.await();
                }
                StreamReader.DecodedImage image = reader.next(ts -> keepEvery > 0 && count[0] % keepEvery == 0);
                if (image == null) {
                    reader.rewind();
                    continue;
                }
                count[0]++;
                if (!image.skipped()) {
                    image.image().close();
                }
                for (AtomicLong f : frames) {
                    f.incrementAndGet();
                }
            }
        } catch (Exception e) {
            System.err.println("decode failed: " + e);
        } finally {
            done.countDown();
        }
    }
}

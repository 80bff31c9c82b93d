package io.camflux.bench.gpu;

import com.sun.management.OperatingSystemMXBean;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.config.VideoDecoder;
import io.camflux.engine.source.FfmpegStreamReader;
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
 * {@code java -jar camflux-bench.jar decode --file CLIP [--streams 1,4,8,16] [--seconds 8] [--out DIR]}: N
 * parallel streams of the same file decoded as fast as they go, through the engine's own reader, first on the
 * CPU (one FFmpeg thread per stream, as the engine runs them), then with {@code decoder: nvdec}; frames/s and
 * CPU cores used (process CPU time over wall time) in one table, written to {@code DIR/gpu-decode.md}.
 * Frames are decoded, not converted to BGR: the engine converts only the frames its sampler keeps.
 */
public final class DecodeBench {
    private DecodeBench() {
    }

    public static void main(String[] args) throws Exception {
        Path file = null, out = Path.of("bench/results");
        List<Integer> streams = List.of(1, 4, 8, 16);
        double seconds = 8;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--file" -> file = Path.of(args[i + 1]);
                case "--streams" -> streams = Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (file == null) {
            throw new IllegalArgumentException("usage: decode --file CLIP [--streams LIST] [--seconds S] [--out DIR]");
        }
        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, "# Decoding %s: CPU vs NVDEC, %d cores%n%n", file.getFileName(),
                Runtime.getRuntime().availableProcessors()));
        table.append(String.format(Locale.ROOT, "`java -jar camflux-bench.jar decode --file %s --streams %s --seconds %d`%n%n",
                file.getFileName(), streams.toString().replace(" ", "").replace("[", "").replace("]", ""), (int) seconds));
        table.append("| streams | decoder | decoders used | frames/s total | frames/s per stream | CPU cores used | frames/s per core |\n");
        table.append("|---:|---|---|---:|---:|---:|---:|\n");
        System.out.print(table);
        for (int n : streams) {
            for (VideoDecoder decoder : List.of(VideoDecoder.CPU, VideoDecoder.NVDEC)) {
                Ceiling c = measure(file, n, decoder, seconds);
                String row = String.format(Locale.ROOT, "| %d | %s | %s | %.0f | %.1f | %.2f | %.0f |%n", n,
                        decoder.name().toLowerCase(Locale.ROOT), c.decodersUsed(), c.framesPerSecond(),
                        c.framesPerSecond() / n, c.cpuCores(), c.framesPerSecond() / c.cpuCores());
                System.out.print(row);
                table.append(row);
            }
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("gpu-decode.md"), table);
    }

    /** What {@code streams} readers of one file decode together, as fast as they go, in this process. */
    public record Ceiling(int streams, VideoDecoder decoder, String decodersUsed, double framesPerSecond,
                          double cpuCores) {
    }

    public static Ceiling measure(Path file, int streams, VideoDecoder decoder, double seconds) throws Exception {
        SourceConfig source = new SourceConfig("decode", file.toString(), "bench", "bench", "tcp", true, false,
                Duration.ofSeconds(10), List.of(), decoder);
        List<FfmpegStreamReader> readers = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            readers.add(FfmpegStreamReader.open(source));
        }
        Set<String> names = ConcurrentHashMap.newKeySet();
        readers.forEach(r -> names.add(r.decoderName()));
        AtomicLong frames = new AtomicLong();
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        CountDownLatch done = new CountDownLatch(streams);
        long cpuStart = os.getProcessCpuTime(), start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        for (FfmpegStreamReader reader : readers) {
            Thread t = new Thread(() -> decodeUntil(reader, deadline, frames, done), "decode");
            t.setDaemon(true);
            t.start();
        }
        done.await();
        double wall = (System.nanoTime() - start) / 1e9;
        double cores = (os.getProcessCpuTime() - cpuStart) / 1e9 / wall;
        readers.forEach(FfmpegStreamReader::close);
        return new Ceiling(streams, decoder, String.join(",", names), frames.get() / wall, cores);
    }

    private static void decodeUntil(StreamReader reader, long deadline, AtomicLong frames, CountDownLatch done) {
        try {
            while (System.nanoTime() < deadline) {
                StreamReader.DecodedImage image = reader.next(ts -> false);
                if (image == null) {
                    reader.rewind();
                    continue;
                }
                frames.incrementAndGet();
            }
        } catch (Exception e) {
            System.err.println("decode failed: " + e);
        } finally {
            done.countDown();
        }
    }
}

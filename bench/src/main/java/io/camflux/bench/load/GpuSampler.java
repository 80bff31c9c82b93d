package io.camflux.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** GPU and NVDEC utilisation and GPU memory, once a second from {@code nvidia-smi}, while a run is measured. */
final class GpuSampler implements AutoCloseable {
    private final Process process;
    private final List<double[]> samples = new ArrayList<>();
    private final Thread reader;

    private GpuSampler(Process process) {
        this.process = process;
        this.reader = new Thread(this::read, "gpu-sampler");
        reader.setDaemon(true);
        reader.start();
    }

    /** Null on a host without {@code nvidia-smi}. */
    static GpuSampler startIfPresent() throws IOException {
        String smi = FfmpegBaseline.onPath("nvidia-smi");
        return smi == null ? null : new GpuSampler(new ProcessBuilder(smi,
                "--query-gpu=utilization.gpu,utilization.decoder,memory.used", "--format=csv,noheader,nounits",
                "-lms", "1000").redirectErrorStream(true).start());
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] f = line.split(",");
                try {
                    double[] v = {Double.parseDouble(f[0].trim()), Double.parseDouble(f[1].trim()),
                            Double.parseDouble(f[2].trim())};
                    synchronized (samples) {
                        samples.add(v);
                    }
                } catch (RuntimeException e) {
                    // a line that is not three numbers (a warning): skip it
                }
            }
        } catch (IOException e) {
            // the sampler was stopped
        }
    }

    /** Median GPU and decoder utilisation (%) and the largest memory used (MiB) since the start. */
    RunResult.Gpu figures() {
        List<double[]> copy;
        synchronized (samples) {
            copy = List.copyOf(samples);
        }
        if (copy.isEmpty()) {
            return null;
        }
        return new RunResult.Gpu(median(copy, 0), median(copy, 1),
                (long) copy.stream().mapToDouble(s -> s[2]).max().orElse(0), copy.size());
    }

    private static double median(List<double[]> samples, int column) {
        double[] v = samples.stream().mapToDouble(s -> s[column]).sorted().toArray();
        return v[v.length / 2];
    }

    @Override
    public void close() {
        process.destroy();
    }
}

package io.camflux.engine.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * This process's memory now: resident host memory from {@code /proc/self/status}, and GPU memory from
 * {@code nvidia-smi}'s per-process accounting (the only source a JVM without CUDA bindings has). Either is -1 where it
 * cannot be read. Read before and after each model opens (its share), and by the load bench.
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {
    }

    /** Resident host memory of this process in bytes, or -1. */
    public static long residentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** GPU memory this process holds on all devices in bytes, or -1 (no nvidia-smi, no GPU, or no answer in 5 s). */
    public static long gpuBytes() {
        long pid = ProcessHandle.current().pid();
        Process smi;
        try {
            smi = new ProcessBuilder("nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            return -1;
        }
        try {
            if (!smi.waitFor(5, TimeUnit.SECONDS) || smi.exitValue() != 0) {
                smi.destroyForcibly();
                return -1;
            }
            long mib = 0;
            for (String line : new String(smi.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] cells = line.split(",");
                if (cells.length == 2 && cells[0].trim().equals(Long.toString(pid))) {
                    mib += Long.parseLong(cells[1].trim());
                }
            }
            return mib * 1024 * 1024;
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}

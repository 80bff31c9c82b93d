package io.camflux.model;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One batch on its way through {@link OnnxDetector}: {@code prepare} letterboxes the images into pooled
 * pixel and output buffers, {@code infer} runs the session into them, {@code decode} reads the detections and
 * gives the buffers back. {@link #close()} gives them back early (a cancelled batch); it is idempotent.
 */
public final class DetectorBatch implements AutoCloseable {
    private final OnnxDetector owner;
    private final BatchBuffers buffers;
    private final Letterbox[] letterboxes;
    private final AtomicBoolean released = new AtomicBoolean();
    private List<List<Detection>> decodedInline;
    private long inferenceNanos;

    DetectorBatch(OnnxDetector owner, BatchBuffers buffers, Letterbox[] letterboxes) {
        this.owner = owner;
        this.buffers = buffers;
        this.letterboxes = letterboxes;
    }

    public int size() {
        return letterboxes.length;
    }

    /** Time the session took for this batch (0 before {@code infer}). */
    public long inferenceNanos() {
        return inferenceNanos;
    }

    ByteBuffer pixels() {
        return buffers.pixels();
    }

    FloatBuffer output() {
        return buffers.output();
    }

    Letterbox letterbox(int index) {
        return letterboxes[index];
    }

    void inferred(long nanos, List<List<Detection>> decoded) {
        this.inferenceNanos = nanos;
        this.decodedInline = decoded;
    }

    List<List<Detection>> decodedInline() {
        return decodedInline;
    }

    @Override
    public void close() {
        if (released.compareAndSet(false, true)) {
            owner.giveBack(buffers);
        }
    }

    /** Direct buffers for one batch: letterboxed uint8 pixels in, fused-graph candidates out. */
    record BatchBuffers(int capacity, ByteBuffer pixels, FloatBuffer output) {
    }
}

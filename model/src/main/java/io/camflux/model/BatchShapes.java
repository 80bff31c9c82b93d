package io.camflux.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The batch sizes a session runs. On CUDA, the first run at each new input shape costs seconds (cuDNN picks
 * convolution algorithms and the memory arena grows per shape), and cross-camera batches come in every size from
 * 1 to the maximum: run at their exact size, a fast session spends most of its time on first runs. Padding a
 * batch up to the next of a few sizes, each run once when the session opens, keeps every later run warm.
 *
 * @param policy   which sizes
 * @param maxBatch the largest batch the pipeline forms (the engine's {@code batch.max_size})
 */
public record BatchShapes(Policy policy, int maxBatch) {

    public enum Policy {
        /** {@link #POW2} on the CUDA provider, {@link #EXACT} on the CPU (where a new shape costs next to nothing). */
        AUTO,
        /** Every batch runs at its own size; nothing is warmed beyond the first run. */
        EXACT,
        /** Powers of two up to the maximum, and the maximum itself. */
        POW2,
        /** Every batch padded to the maximum: one shape. */
        MAX;

        public static Policy parse(String value) {
            try {
                return valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("must be auto, exact, pow2 or max, got '" + value + "'");
            }
        }
    }

    public BatchShapes {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
        }
    }

    public static BatchShapes exact() {
        return new BatchShapes(Policy.EXACT, 1);
    }

    /** This policy with AUTO decided for {@code provider}. */
    public BatchShapes resolve(ExecutionProvider provider) {
        if (policy != Policy.AUTO) {
            return this;
        }
        return new BatchShapes(provider == ExecutionProvider.CUDA ? Policy.POW2 : Policy.EXACT, maxBatch);
    }

    /** The sizes warmed when a session opens, ascending; empty for {@link Policy#EXACT}. */
    public List<Integer> sizes() {
        List<Integer> sizes = new ArrayList<>();
        switch (policy) {
            case POW2 -> {
                for (int s = 1; s < maxBatch; s *= 2) {
                    sizes.add(s);
                }
                sizes.add(maxBatch);
            }
            case MAX -> sizes.add(maxBatch);
            case EXACT -> {
            }
            case AUTO -> throw new IllegalStateException("resolve AUTO for a provider first");
        }
        return sizes;
    }

    /** The size a batch of {@code images} runs at: the smallest warmed size that holds it, else its own. */
    public int runSize(int images) {
        for (int size : sizes()) {
            if (size >= images) {
                return size;
            }
        }
        return images;
    }
}

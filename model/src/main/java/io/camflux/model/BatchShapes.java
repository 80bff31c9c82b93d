package io.camflux.model;


/**
 * The batch sizes a session runs. On CUDA, a session whose input shape changes from one run to the next pays
 * seconds for it (measured on an H100 with ONNX Runtime 1.28: warmed at 1..32, a run at 32 took 22 ms, the next
 * at 16 took 3,068 ms, the next at 16 14 ms, the next at 32 3,968 ms), and cross-camera batches come in every size
 * from 1 to the maximum. So on CUDA every batch is padded to the maximum: each session only ever sees one shape,
 * run once when it opens. On the CPU a new shape costs next to nothing and padding would cost real compute.
 *
 * @param policy   which sizes
 * @param maxBatch the largest batch the pipeline forms (the engine's {@code batch.max_size})
 */
public record BatchShapes(Policy policy, int maxBatch) {

    public enum Policy {
        /** {@link #MAX} on the CUDA provider, {@link #EXACT} on the CPU. */
        AUTO,
        /** Every batch runs at its own size. */
        EXACT,
        /** Every batch is padded to the maximum: one shape, run on every session when it opens. */
        MAX;

        public static Policy parse(String value) {
            return EnumValue.parse(Policy.class, value, "auto, exact or max");
        }
    }

    /** What a detector opened outside the engine gets: the policy for the engine's default {@code batch.max_size}. */
    public static final BatchShapes DEFAULT = new BatchShapes(Policy.AUTO, 8);

    public static BatchShapes exact() {
        return new BatchShapes(Policy.EXACT, 1);
    }

    public BatchShapes {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
        }
    }

    /** This policy with AUTO decided for {@code provider}. */
    public BatchShapes resolve(ExecutionProvider provider) {
        if (policy != Policy.AUTO) {
            return this;
        }
        return new BatchShapes(provider == ExecutionProvider.CUDA ? Policy.MAX : Policy.EXACT, maxBatch);
    }

    /** The size a batch of {@code images} runs at: padded to the maximum under {@link Policy#MAX}, else its own. */
    public int runSize(int images) {
        if (policy == Policy.AUTO) {
            throw new IllegalStateException("resolve AUTO for a provider first");
        }
        return policy == Policy.MAX && images <= maxBatch ? maxBatch : images;
    }
}

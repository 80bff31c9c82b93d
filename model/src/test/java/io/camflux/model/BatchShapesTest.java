package io.camflux.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BatchShapesTest {

    @Test
    void autoPadsToTheMaximumOnCudaAndRunsExactSizesOnTheCpu() {
        BatchShapes auto = new BatchShapes(BatchShapes.Policy.AUTO, 24);
        BatchShapes cuda = auto.resolve(ExecutionProvider.CUDA);
        assertEquals(BatchShapes.Policy.MAX, cuda.policy());
        BatchShapes cpu = auto.resolve(ExecutionProvider.CPU);
        assertEquals(BatchShapes.Policy.EXACT, cpu.policy());
        for (int n = 1; n <= 24; n++) {
            assertEquals(24, cuda.runSize(n), "one shape on CUDA");
            assertEquals(n, cpu.runSize(n));
        }
        assertEquals(40, cuda.runSize(40), "beyond the maximum a batch runs at its own size");
    }

    @Test
    void autoMustBeResolvedBeforeItSizesABatch() {
        assertThrows(IllegalStateException.class, () -> new BatchShapes(BatchShapes.Policy.AUTO, 8).runSize(3));
        assertThrows(IllegalArgumentException.class, () -> new BatchShapes(BatchShapes.Policy.MAX, 0));
    }

    @Test
    void aPolicyNameOutsideTheThreeIsRefusedWithTheChoices() {
        assertEquals(BatchShapes.Policy.MAX, BatchShapes.Policy.parse("Max"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchShapes.Policy.parse("pow2"));
        assertEquals("must be auto, exact or max, got 'pow2'", e.getMessage());
    }
}

package io.camflux.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatchShapesTest {

    @Test
    void autoPadsToPowersOfTwoOnCudaAndRunsExactSizesOnTheCpu() {
        BatchShapes auto = new BatchShapes(BatchShapes.Policy.AUTO, 24);
        BatchShapes cuda = auto.resolve(ExecutionProvider.CUDA);
        assertEquals(List.of(1, 2, 4, 8, 16, 24), cuda.sizes());
        assertEquals(List.of(8, 8, 16, 16, 24, 24), List.of(cuda.runSize(5), cuda.runSize(8), cuda.runSize(9),
                cuda.runSize(16), cuda.runSize(17), cuda.runSize(24)));
        BatchShapes cpu = auto.resolve(ExecutionProvider.CPU);
        assertEquals(List.of(), cpu.sizes());
        for (int n = 1; n <= 30; n++) {
            assertEquals(n, cpu.runSize(n));
        }
    }

    @Test
    void everyBatchUpToTheMaximumRunsAtAWarmedSize() {
        for (BatchShapes.Policy policy : List.of(BatchShapes.Policy.POW2, BatchShapes.Policy.MAX)) {
            BatchShapes shapes = new BatchShapes(policy, 32);
            for (int n = 1; n <= 32; n++) {
                int run = shapes.runSize(n);
                assertTrue(run >= n && shapes.sizes().contains(run), policy + ": " + n + " runs at " + run);
            }
            assertEquals(40, shapes.runSize(40), "beyond the maximum a batch runs at its own size");
        }
        assertEquals(List.of(32), new BatchShapes(BatchShapes.Policy.MAX, 32).sizes());
        assertEquals(List.of(1), new BatchShapes(BatchShapes.Policy.POW2, 1).sizes());
    }

    @Test
    void aPolicyNameOutsideTheFourIsRefusedWithTheChoices() {
        assertEquals(BatchShapes.Policy.POW2, BatchShapes.Policy.parse("Pow2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchShapes.Policy.parse("odd"));
        assertEquals("must be auto, exact, pow2 or max, got 'odd'", e.getMessage());
    }
}

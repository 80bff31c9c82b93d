package io.camflux.model.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.camflux.model.ModelFormat;
import io.camflux.model.TestAssets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The graph edits on the real default model, run by ONNX Runtime (CPU). */
class ModelGraphTest {
    private static final OrtEnvironment env = OrtEnvironment.getEnvironment();

    private static ModelGraph defaultModel() throws Exception {
        return ModelGraph.parse(Files.readAllBytes(TestAssets.defaultModel()));
    }

    @Test
    void readsTheDeclaredInputOutputAndOpset() throws Exception {
        ModelGraph g = defaultModel();
        assertEquals("images", g.input().name());
        assertArrayEquals(new long[] {1, 3, 416, 416}, g.input().dims());
        assertArrayEquals(new long[] {1, 3549, 85}, g.output().dims());
        assertEquals(11, g.opset());
    }

    @Test
    void resizedInputDeclaresItsSizeAndAnchorsAndRuns() throws Exception {
        ModelGraph small = defaultModel().withInputSize(320, 256);
        assertArrayEquals(new long[] {1, 3, 256, 320}, small.input().dims());
        assertArrayEquals(new long[] {1, 40 * 32 + 20 * 16 + 10 * 8, 85}, small.output().dims());
        FloatBuffer input = ByteBuffer.allocateDirect(3 * 256 * 320 * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        try (OrtSession session = env.createSession(small.bytes(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(env, input, new long[] {1, 3, 256, 320});
             OrtSession.Result r = session.run(Map.of("images", t))) {
            assertArrayEquals(new long[] {1, 1680, 85}, ((OnnxTensor) r.get(0)).getInfo().getShape());
        }
        assertThrows(IllegalArgumentException.class, () -> defaultModel().withInputSize(330, 320));
    }

    @Test
    void dynamicBatchRunsThreeImagesAsOneByOneWould() throws Exception {
        ModelGraph g = defaultModel();
        int slot = 3 * 416 * 416;
        FloatBuffer input = ByteBuffer.allocateDirect(3 * slot * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < input.capacity(); i++) {
            input.put(i, (i * 7 + i / slot * 50) % 256);
        }
        try (OrtSession dynamic = env.createSession(g.withDynamicBatch(), new OrtSession.SessionOptions());
             OrtSession original = env.createSession(Files.readAllBytes(TestAssets.defaultModel()),
                     new OrtSession.SessionOptions());
             OnnxTensor three = OnnxTensor.createTensor(env, input, new long[] {3, 3, 416, 416});
             OrtSession.Result r = dynamic.run(Map.of("images", three))) {
            FloatBuffer batched = ((OnnxTensor) r.get(0)).getFloatBuffer();
            assertEquals(3 * 3549 * 85, batched.capacity());
            for (int image = 0; image < 3; image++) {
                FloatBuffer one = input.duplicate().position(image * slot).limit((image + 1) * slot).slice();
                try (OnnxTensor t = OnnxTensor.createTensor(env, one, new long[] {1, 3, 416, 416});
                     OrtSession.Result single = original.run(Map.of("images", t))) {
                    FloatBuffer expected = ((OnnxTensor) single.get(0)).getFloatBuffer();
                    for (int k = 0; k < expected.capacity(); k += 97) {
                        assertEquals(expected.get(k), batched.get(image * expected.capacity() + k), 1e-3,
                                "image " + image + " value " + k);
                    }
                }
            }
        }
    }

    @Test
    void fusedGraphTakesPixelsAndGivesSixColumnsPerAnchor() throws Exception {
        byte[] fused = defaultModel().fused(ModelFormat.YOLOX, null);
        ModelGraph g = ModelGraph.parse(fused);
        assertEquals(ModelGraph.FUSED_INPUT, g.input().name());
        assertEquals(2, g.input().elementType(), "uint8");
        assertArrayEquals(new long[] {-1, 416, 416, 3}, g.input().dims());
        assertArrayEquals(new long[] {-1, 3549, ModelGraph.FUSED_COLUMNS}, g.output().dims());
        ByteBuffer pixels = ByteBuffer.allocateDirect(2 * 416 * 416 * 3);
        try (OrtSession s = env.createSession(fused, new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(env, pixels, new long[] {2, 416, 416, 3}, OnnxJavaType.UINT8);
             OrtSession.Result r = s.run(Map.of(ModelGraph.FUSED_INPUT, t))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            assertEquals(2 * 3549 * 6, out.capacity());
            // the first anchor is the stride-8 grid's cell (0, 0): its box centre lies within the first cells
            float x1 = out.get(0), y1 = out.get(1), x2 = out.get(2), y2 = out.get(3);
            assertTrue(x2 > x1 && y2 > y1, "a box with positive size: " + x1 + "," + y1 + "," + x2 + "," + y2);
            assertTrue((x1 + x2) / 2 < 16 && (y1 + y2) / 2 < 16, "centre near the first cell");
            float score = out.get(4), classId = out.get(5);
            assertTrue(score >= 0 && score <= 1, "score " + score);
            assertEquals(Math.round(classId), classId, "class id is an integer");
        }
    }

    @Test
    void refusesWhatIsNotAnOnnxModelOrAGridItCannotMatch() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> ModelGraph.parse(new byte[] {1, 2, 3, 4, 5}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GridTables.of(640, 640, 3549));
        assertTrue(e.getMessage().contains("8400"), e.getMessage());
    }
}

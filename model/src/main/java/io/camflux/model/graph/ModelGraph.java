package io.camflux.model.graph;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.camflux.model.ModelFormat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An ONNX detector model and the two edits the detector makes to it before creating a session:
 * <ul>
 *   <li>{@link #withDynamicBatch()}: the batch dimension made symbolic, nothing else changed;</li>
 *   <li>{@link #fused}: additionally takes letterboxed 8-bit BGR pixels [N,H,W,3] and returns one row per anchor,
 *       {@code [x1, y1, x2, y2, score, class]} in input pixels ({@link #FUSED_COLUMNS} floats). The float
 *       conversion, channel order and scaling run inside the graph, so a quarter of the bytes cross to the
 *       device, and the grid decoding and best-class reduction run there too, so a fourteenth come back.</li>
 * </ul>
 * Both drop the model's intermediate value_info, whose fixed batch would contradict the symbolic one.
 */
public final class ModelGraph {
    public static final String FUSED_INPUT = "camflux_bgr_pixels";
    public static final String FUSED_OUTPUT = "camflux_candidates";
    public static final int FUSED_COLUMNS = 6;
    /** The oldest default-domain opset the fused graph's operators are written for (Slice with inputs). */
    public static final int MIN_FUSED_OPSET = 11;
    private static final String BATCH = "batch";

    private final UnknownFieldSet model;
    private final UnknownFieldSet graph;
    private final TensorSpec input;
    private final TensorSpec output;
    private final int opset;

    private ModelGraph(UnknownFieldSet model) {
        this.model = model;
        this.graph = Proto.message(model, Proto.MODEL_GRAPH);
        Set<String> initializers = new HashSet<>();
        for (ByteString init : Proto.messages(graph, Proto.GRAPH_INITIALIZER)) {
            initializers.add(Proto.string(Proto.parse(init), Proto.INIT_NAME));
        }
        this.input = Proto.messages(graph, Proto.GRAPH_INPUT).stream().map(ModelGraph::spec)
                .filter(s -> !initializers.contains(s.name())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the model graph has no input"));
        this.output = Proto.messages(graph, Proto.GRAPH_OUTPUT).stream().map(ModelGraph::spec).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the model graph has no output"));
        this.opset = (int) Proto.messages(model, Proto.MODEL_OPSET_IMPORT).stream().map(Proto::parse)
                .filter(o -> Proto.string(o, Proto.OPSET_DOMAIN).isEmpty() || "ai.onnx".equals(Proto.string(o, Proto.OPSET_DOMAIN)))
                .mapToLong(o -> Proto.varint(o, Proto.OPSET_VERSION, 0)).max().orElse(0);
    }

    public static ModelGraph parse(byte[] modelBytes) {
        return new ModelGraph(Proto.parse(ByteString.copyFrom(modelBytes)));
    }

    public TensorSpec input() {
        return input;
    }

    public TensorSpec output() {
        return output;
    }

    public int opset() {
        return opset;
    }

    /** A {@code metadata_props} value, or null. */
    public String metadata(String key) {
        String found = null;
        for (ByteString entry : Proto.messages(model, Proto.MODEL_METADATA)) {
            UnknownFieldSet e = Proto.parse(entry);
            if (key.equals(Proto.string(e, Proto.ENTRY_KEY))) {
                found = Proto.string(e, Proto.ENTRY_VALUE);
            }
        }
        return found;
    }

    /** Throws unless the input is an image batch [N,3,H,W] with fixed H and W, the one layout both edits know. */
    public void requireImageInput() {
        if (input.rank() != 4 || input.dim(1) != 3 || input.dim(2) <= 0 || input.dim(3) <= 0) {
            throw new IllegalArgumentException("expected a model input [N,3,H,W] with fixed H and W, got " + input);
        }
    }

    /** The model unchanged but for a symbolic batch dimension on its input and outputs. */
    public byte[] withDynamicBatch() {
        List<ByteString> inputs = new ArrayList<>();
        for (ByteString in : Proto.messages(graph, Proto.GRAPH_INPUT)) {
            TensorSpec s = spec(in);
            inputs.add(s.name().equals(input.name()) ? batchSymbolic(s) : in);
        }
        List<ByteString> outputs = Proto.messages(graph, Proto.GRAPH_OUTPUT).stream()
                .map(o -> batchSymbolic(spec(o))).toList();
        UnknownFieldSet edited = UnknownFieldSet.newBuilder(graph)
                .clearField(Proto.GRAPH_INPUT).addField(Proto.GRAPH_INPUT, Proto.bytes(inputs))
                .clearField(Proto.GRAPH_OUTPUT).addField(Proto.GRAPH_OUTPUT, Proto.bytes(outputs))
                .clearField(Proto.GRAPH_VALUE_INFO)
                .build();
        return withGraph(edited);
    }

    /**
     * The model unchanged but for its input's height and width (and the anchors its output declares, at YOLOX's
     * strides 8, 16 and 32): a fully convolutional detector run at another size, smaller for cheaper cameras. The
     * sizes must be multiples of 32.
     */
    public ModelGraph withInputSize(int width, int height) {
        requireImageInput();
        if (width <= 0 || height <= 0 || width % 32 != 0 || height % 32 != 0) {
            throw new IllegalArgumentException("input size " + width + "x" + height + " is not a multiple of 32");
        }
        if (output.rank() != 3) {
            throw new IllegalArgumentException("expected an output [N,a,b], got " + output);
        }
        long anchors = 0;
        for (int stride : new int[] {8, 16, 32}) {
            anchors += (long) (width / stride) * (height / stride);
        }
        long declared = (long) (input.dim(2) / 8) * (input.dim(3) / 8) + (input.dim(2) / 16) * (input.dim(3) / 16)
                + (input.dim(2) / 32) * (input.dim(3) / 32);
        long[] out = output.dims();
        int anchorAxis = out[1] == declared ? 1 : out[2] == declared ? 2 : -1;
        if (anchorAxis < 0) {
            throw new IllegalArgumentException("the output " + output + " has no axis of " + declared
                    + " anchors (strides 8, 16, 32): cannot resize its input");
        }
        out[anchorAxis] = anchors;
        long[] in = input.dims();
        in[2] = height;
        in[3] = width;
        List<ByteString> inputs = new ArrayList<>();
        for (ByteString i : Proto.messages(graph, Proto.GRAPH_INPUT)) {
            inputs.add(spec(i).name().equals(input.name()) ? sized(input, in) : i);
        }
        List<ByteString> outputs = new ArrayList<>();
        for (ByteString o : Proto.messages(graph, Proto.GRAPH_OUTPUT)) {
            outputs.add(spec(o).name().equals(output.name()) ? sized(output, out) : o);
        }
        UnknownFieldSet edited = UnknownFieldSet.newBuilder(graph)
                .clearField(Proto.GRAPH_INPUT).addField(Proto.GRAPH_INPUT, Proto.bytes(inputs))
                .clearField(Proto.GRAPH_OUTPUT).addField(Proto.GRAPH_OUTPUT, Proto.bytes(outputs))
                .clearField(Proto.GRAPH_VALUE_INFO)
                .build();
        return new ModelGraph(Proto.parse(ByteString.copyFrom(withGraph(edited))));
    }

    /** The whole model, as bytes. */
    public byte[] bytes() {
        return model.toByteArray();
    }

    private static ByteString sized(TensorSpec s, long[] dims) {
        Object[] d = new Object[dims.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = dims[i] > 0 ? (Object) dims[i] : "d" + i;
        }
        return Proto.valueInfo(s.name(), s.elementType(), d);
    }

    /**
     * The model with pixel input and candidate output (see the class comment).
     *
     * @param allowedClasses null keeps every class; else the classes whose scores count
     */
    public byte[] fused(ModelFormat format, boolean[] allowedClasses) {
        if (opset < MIN_FUSED_OPSET) {
            throw new IllegalArgumentException("opset " + opset + " is older than " + MIN_FUSED_OPSET);
        }
        requireImageInput();
        if (output.rank() != 3 || output.dim(1) <= 0 || output.dim(2) <= 0) {
            throw new IllegalArgumentException("expected an output [N,a,b] with fixed a and b, got " + output);
        }
        int height = (int) input.dim(2), width = (int) input.dim(3);
        NodeWriter w = new NodeWriter();
        writePixelPrelude(w, format, height, width);
        long anchors = format.anchors(output.dims());
        writeCandidateHead(w, format, width, height, allowedClasses);

        List<ByteString> inputs = new ArrayList<>();
        for (ByteString in : Proto.messages(graph, Proto.GRAPH_INPUT)) {
            if (!spec(in).name().equals(input.name())) {
                inputs.add(in);
            }
        }
        inputs.add(0, Proto.valueInfo(FUSED_INPUT, Proto.UINT8, BATCH, (long) height, (long) width, 3L));
        List<ByteString> nodes = new ArrayList<>(w.prelude);
        nodes.addAll(Proto.messages(graph, Proto.GRAPH_NODE));
        nodes.addAll(w.head);
        List<ByteString> initializers = new ArrayList<>(Proto.messages(graph, Proto.GRAPH_INITIALIZER));
        initializers.addAll(w.initializers);
        UnknownFieldSet edited = UnknownFieldSet.newBuilder(graph)
                .clearField(Proto.GRAPH_NODE).addField(Proto.GRAPH_NODE, Proto.bytes(nodes))
                .clearField(Proto.GRAPH_INITIALIZER).addField(Proto.GRAPH_INITIALIZER, Proto.bytes(initializers))
                .clearField(Proto.GRAPH_INPUT).addField(Proto.GRAPH_INPUT, Proto.bytes(inputs))
                .clearField(Proto.GRAPH_OUTPUT).addField(Proto.GRAPH_OUTPUT, Proto.bytes(List.of(
                        Proto.valueInfo(FUSED_OUTPUT, Proto.FLOAT, BATCH, anchors, (long) FUSED_COLUMNS))))
                .clearField(Proto.GRAPH_VALUE_INFO)
                .build();
        return withGraph(edited);
    }

    /** uint8 NHWC BGR → the model's own input: channel order, NCHW, float, scale, float16 when it wants that. */
    private void writePixelPrelude(NodeWriter w, ModelFormat format, int height, int width) {
        w.toPrelude();
        String x = FUSED_INPUT;
        if (format.rgb()) {
            x = w.op("Gather", List.of(x, w.int64s("bgr_to_rgb", 2, 1, 0)), Proto.intAttribute("axis", 3));
        }
        x = w.op("Transpose", List.of(x), Proto.intsAttribute("perm", 0, 3, 1, 2));
        x = w.op("Cast", List.of(x), Proto.intAttribute("to", Proto.FLOAT));
        if (format.pixelScale() != 1f) {
            x = w.op("Mul", List.of(x, w.floats("pixel_scale", new long[0], format.pixelScale())));
        }
        if (input.isFloat16()) {
            x = w.op("Cast", List.of(x), Proto.intAttribute("to", Proto.FLOAT16));
        }
        w.rename(x, input.name());
    }

    /** The model's raw output → [N, anchors, x1 y1 x2 y2 score class]. */
    private void writeCandidateHead(NodeWriter w, ModelFormat format, int width, int height, boolean[] allowed) {
        w.toHead();
        String out = output.name();
        if (output.isFloat16()) {
            out = w.op("Cast", List.of(out), Proto.intAttribute("to", Proto.FLOAT));
        }
        int classes = format.classCount(output.dims());
        String centre, size, scores;
        if (format == ModelFormat.YOLOV8) {
            out = w.op("Transpose", List.of(out), Proto.intsAttribute("perm", 0, 2, 1));
            centre = w.slice(out, 0, 2);
            size = w.slice(out, 2, 4);
            scores = w.slice(out, 4, 4 + classes);
        } else {
            centre = w.slice(out, 0, 2);
            size = w.slice(out, 2, 4);
            scores = w.op("Mul", List.of(w.slice(out, 4, 5), w.slice(out, 5, 5 + classes)));
            if (format == ModelFormat.YOLOX) {
                GridTables grid = GridTables.of(width, height, (int) output.dim(1));
                String strides = w.floats("anchor_stride", new long[] {1, grid.anchors(), 1}, grid.strides());
                centre = w.op("Mul", List.of(w.op("Add", List.of(centre,
                        w.floats("anchor_cell", new long[] {1, grid.anchors(), 2}, grid.cells()))), strides));
                size = w.op("Mul", List.of(w.op("Exp", List.of(size)), strides));
            }
        }
        if (allowed != null) {
            float[] mask = new float[classes];
            for (int c = 0; c < classes; c++) {
                mask[c] = c < allowed.length && allowed[c] ? 1f : 0f;
            }
            scores = w.op("Mul", List.of(scores, w.floats("class_mask", new long[] {classes}, mask)));
        }
        String half = w.op("Mul", List.of(size, w.floats("half", new long[0], 0.5f)));
        String topLeft = w.op("Sub", List.of(centre, half));
        String bottomRight = w.op("Add", List.of(centre, half));
        String best = opset >= 18
                ? w.op("ReduceMax", List.of(scores, w.int64s("class_axis", 2)), Proto.intAttribute("keepdims", 1))
                : w.op("ReduceMax", List.of(scores), Proto.intsAttribute("axes", 2), Proto.intAttribute("keepdims", 1));
        String bestClass = w.op("Cast", List.of(w.op("ArgMax", List.of(scores),
                Proto.intAttribute("axis", 2), Proto.intAttribute("keepdims", 1))), Proto.intAttribute("to", Proto.FLOAT));
        String candidates = w.op("Concat", List.of(topLeft, bottomRight, best, bestClass), Proto.intAttribute("axis", 2));
        w.rename(candidates, FUSED_OUTPUT);
    }

    private byte[] withGraph(UnknownFieldSet editedGraph) {
        return UnknownFieldSet.newBuilder(model)
                .clearField(Proto.MODEL_GRAPH)
                .addField(Proto.MODEL_GRAPH, Proto.bytes(List.of(editedGraph.toByteString())))
                .build().toByteArray();
    }

    private static ByteString batchSymbolic(TensorSpec s) {
        Object[] dims = new Object[s.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = i == 0 ? BATCH : s.dim(i) > 0 ? (Object) s.dim(i) : "d" + i;
        }
        return Proto.valueInfo(s.name(), s.elementType(), dims);
    }

    private static TensorSpec spec(ByteString valueInfo) {
        UnknownFieldSet v = Proto.parse(valueInfo);
        UnknownFieldSet tensor = Proto.message(Proto.message(v, Proto.VALUE_TYPE), Proto.TYPE_TENSOR);
        List<ByteString> dims = Proto.messages(Proto.message(tensor, Proto.TENSOR_SHAPE), Proto.SHAPE_DIM);
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = Proto.varint(Proto.parse(dims.get(i)), Proto.DIM_VALUE, -1);
        }
        return new TensorSpec(Proto.string(v, Proto.VALUE_NAME), (int) Proto.varint(tensor, Proto.TENSOR_ELEM_TYPE, 0),
                shape);
    }
}

package io.camflux.model.graph;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Appends nodes and constant initializers under the {@code camflux/} name prefix, in topological order. */
final class NodeWriter {
    final List<ByteString> prelude = new ArrayList<>();
    final List<ByteString> head = new ArrayList<>();
    final List<ByteString> initializers = new ArrayList<>();
    private List<ByteString> target = prelude;
    private int counter;

    void toPrelude() {
        target = prelude;
    }

    void toHead() {
        target = head;
    }

    /** Adds a node with one output and returns that output's name. */
    String op(String opType, List<String> inputs, ByteString... attributes) {
        String name = "camflux/" + opType + "_" + counter++;
        target.add(Proto.node(name, opType, inputs, List.of(name + ":0"), attributes));
        return name + ":0";
    }

    /** Makes {@code tensor} available under {@code name}. */
    void rename(String tensor, String name) {
        target.add(Proto.node("camflux/Identity_" + counter++, "Identity", List.of(tensor), List.of(name)));
    }

    /** Elements [from, to) of the last axis of a rank-3 tensor. */
    String slice(String tensor, long from, long to) {
        return op("Slice", List.of(tensor, int64s("from", from), int64s("to", to), int64s("last_axis", 2)));
    }

    String int64s(String name, long... values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            raw.putLong(v);
        }
        return initializer(name, Proto.INT64, new long[] {values.length}, raw);
    }

    String floats(String name, long[] dims, float... values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        return initializer(name, Proto.FLOAT, dims, raw);
    }

    private String initializer(String name, int type, long[] dims, ByteBuffer raw) {
        String unique = "camflux/" + name + "_" + counter++;
        initializers.add(Proto.tensor(unique, type, dims, ByteString.copyFrom(raw.flip())));
        return unique;
    }
}

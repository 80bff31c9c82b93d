package io.camflux.model.graph;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.UnknownFieldSet.Field;
import java.util.List;

/**
 * The few pieces of onnx.proto the graph editor touches, read and written at the protobuf wire level so that
 * every field it does not know passes through unchanged. Field numbers are those of onnx.proto.
 */
final class Proto {
    // ModelProto
    static final int MODEL_GRAPH = 7;
    static final int MODEL_OPSET_IMPORT = 8;
    static final int MODEL_METADATA = 14;
    // StringStringEntryProto
    static final int ENTRY_KEY = 1;
    static final int ENTRY_VALUE = 2;
    // OperatorSetIdProto
    static final int OPSET_DOMAIN = 1;
    static final int OPSET_VERSION = 2;
    // GraphProto
    static final int GRAPH_NODE = 1;
    static final int GRAPH_INITIALIZER = 5;
    static final int GRAPH_INPUT = 11;
    static final int GRAPH_OUTPUT = 12;
    static final int GRAPH_VALUE_INFO = 13;
    // NodeProto
    static final int NODE_INPUT = 1;
    static final int NODE_OUTPUT = 2;
    static final int NODE_NAME = 3;
    static final int NODE_OP_TYPE = 4;
    static final int NODE_ATTRIBUTE = 5;
    // AttributeProto
    static final int ATTR_NAME = 1;
    static final int ATTR_I = 3;
    static final int ATTR_INTS = 8;
    static final int ATTR_TYPE = 20;
    static final int ATTR_TYPE_INT = 2;
    static final int ATTR_TYPE_INTS = 7;
    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, Dimension
    static final int VALUE_NAME = 1;
    static final int VALUE_TYPE = 2;
    static final int TYPE_TENSOR = 1;
    static final int TENSOR_ELEM_TYPE = 1;
    static final int TENSOR_SHAPE = 2;
    static final int SHAPE_DIM = 1;
    static final int DIM_VALUE = 1;
    static final int DIM_PARAM = 2;
    // TensorProto
    static final int INIT_DIMS = 1;
    static final int INIT_DATA_TYPE = 2;
    static final int INIT_NAME = 8;
    static final int INIT_RAW_DATA = 9;
    // TensorProto.DataType
    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT64 = 7;
    static final int FLOAT16 = 10;

    private Proto() {
    }

    static UnknownFieldSet parse(ByteString bytes) {
        try {
            return UnknownFieldSet.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model (protobuf parse error: " + e.getMessage() + ")", e);
        }
    }

    static List<ByteString> messages(UnknownFieldSet message, int field) {
        return message.hasField(field) ? message.getField(field).getLengthDelimitedList() : List.of();
    }

    static UnknownFieldSet message(UnknownFieldSet message, int field) {
        List<ByteString> all = messages(message, field);
        return all.isEmpty() ? UnknownFieldSet.getDefaultInstance() : parse(all.get(all.size() - 1));
    }

    static String string(UnknownFieldSet message, int field) {
        List<ByteString> all = messages(message, field);
        return all.isEmpty() ? "" : all.get(all.size() - 1).toStringUtf8();
    }

    static long varint(UnknownFieldSet message, int field, long absent) {
        if (!message.hasField(field)) {
            return absent;
        }
        List<Long> values = message.getField(field).getVarintList();
        return values.isEmpty() ? absent : values.get(values.size() - 1);
    }

    static Field strings(String... values) {
        Field.Builder f = Field.newBuilder();
        for (String v : values) {
            f.addLengthDelimited(ByteString.copyFromUtf8(v));
        }
        return f.build();
    }

    static Field bytes(List<ByteString> values) {
        Field.Builder f = Field.newBuilder();
        values.forEach(f::addLengthDelimited);
        return f.build();
    }

    static Field varints(long... values) {
        Field.Builder f = Field.newBuilder();
        for (long v : values) {
            f.addVarint(v);
        }
        return f.build();
    }

    static ByteString intAttribute(String name, long value) {
        return UnknownFieldSet.newBuilder()
                .addField(ATTR_NAME, strings(name))
                .addField(ATTR_I, varints(value))
                .addField(ATTR_TYPE, varints(ATTR_TYPE_INT))
                .build().toByteString();
    }

    static ByteString intsAttribute(String name, long... values) {
        return UnknownFieldSet.newBuilder()
                .addField(ATTR_NAME, strings(name))
                .addField(ATTR_INTS, varints(values))
                .addField(ATTR_TYPE, varints(ATTR_TYPE_INTS))
                .build().toByteString();
    }

    static ByteString node(String name, String opType, List<String> inputs, List<String> outputs,
                           ByteString... attributes) {
        return UnknownFieldSet.newBuilder()
                .addField(NODE_INPUT, strings(inputs.toArray(String[]::new)))
                .addField(NODE_OUTPUT, strings(outputs.toArray(String[]::new)))
                .addField(NODE_NAME, strings(name))
                .addField(NODE_OP_TYPE, strings(opType))
                .addField(NODE_ATTRIBUTE, bytes(List.of(attributes)))
                .build().toByteString();
    }

    static ByteString tensor(String name, int dataType, long[] dims, ByteString raw) {
        return UnknownFieldSet.newBuilder()
                .addField(INIT_DIMS, varints(dims))
                .addField(INIT_DATA_TYPE, varints(dataType))
                .addField(INIT_NAME, strings(name))
                .addField(INIT_RAW_DATA, Field.newBuilder().addLengthDelimited(raw).build())
                .build().toByteString();
    }

    /** A tensor value info; each dimension is a Long (fixed) or a String (symbolic). */
    static ByteString valueInfo(String name, int elemType, Object... dims) {
        Field.Builder dimField = Field.newBuilder();
        for (Object d : dims) {
            UnknownFieldSet dim = d instanceof String param
                    ? UnknownFieldSet.newBuilder().addField(DIM_PARAM, strings(param)).build()
                    : UnknownFieldSet.newBuilder().addField(DIM_VALUE, varints((Long) d)).build();
            dimField.addLengthDelimited(dim.toByteString());
        }
        ByteString shape = UnknownFieldSet.newBuilder().addField(SHAPE_DIM, dimField.build()).build().toByteString();
        ByteString tensorType = UnknownFieldSet.newBuilder()
                .addField(TENSOR_ELEM_TYPE, varints(elemType))
                .addField(TENSOR_SHAPE, Field.newBuilder().addLengthDelimited(shape).build())
                .build().toByteString();
        ByteString type = UnknownFieldSet.newBuilder()
                .addField(TYPE_TENSOR, Field.newBuilder().addLengthDelimited(tensorType).build())
                .build().toByteString();
        return UnknownFieldSet.newBuilder()
                .addField(VALUE_NAME, strings(name))
                .addField(VALUE_TYPE, Field.newBuilder().addLengthDelimited(type).build())
                .build().toByteString();
    }
}

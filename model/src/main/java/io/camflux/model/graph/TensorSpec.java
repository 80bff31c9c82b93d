package io.camflux.model.graph;

import java.util.Arrays;

/**
 * A graph input or output as the model declares it.
 *
 * @param elementType onnx.proto's TensorProto.DataType (1 float, 2 uint8, 10 float16)
 * @param dims        -1 where the dimension is symbolic or unknown
 */
public record TensorSpec(String name, int elementType, long[] dims) {

    public TensorSpec {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    public long dim(int index) {
        return dims[index];
    }

    public int rank() {
        return dims.length;
    }

    public boolean isFloat16() {
        return elementType == Proto.FLOAT16;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && t.name.equals(name) && t.elementType == elementType
                && Arrays.equals(t.dims, dims);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(dims) + (isFloat16() ? " float16" : "");
    }
}

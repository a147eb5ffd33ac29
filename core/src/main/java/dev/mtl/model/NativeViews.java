package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Java views of a PyTorch tensor's own memory ({@code toByteBuffer(true)}), for the few loops that are
 * cheaper in Java than as a chain of PyTorch ops (the AdamW update, dropout masks). A view is only
 * handed out for a contiguous float32 CPU tensor: for any other, DJL would return a view of a
 * temporary contiguous copy, and writes to it would be lost. A view must not outlive its tensor.
 */
public final class NativeViews {

    private static final Object LIB;
    private static final java.lang.reflect.Method IS_CONTIGUOUS;

    static {
        Object lib = null;
        java.lang.reflect.Method m = null;
        try {
            Class<?> c = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            java.lang.reflect.Field f = c.getDeclaredField("LIB");
            f.setAccessible(true);
            lib = f.get(null);
            m = c.getDeclaredMethod("torchIsContiguous", long.class);
            m.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            m = null;
        }
        LIB = lib;
        IS_CONTIGUOUS = m;
    }

    private NativeViews() {}

    /** The tensor's memory as floats (native order), or null when there is no safe view. */
    public static FloatBuffer floats(NDArray a) {
        if (!(a instanceof PtNDArray pt)
                || pt.getDataType() != DataType.FLOAT32
                || !ai.djl.Device.Type.CPU.equals(pt.getDevice().getDeviceType())
                || !isContiguous(pt)) {
            return null;
        }
        ByteBuffer bytes = pt.toByteBuffer(true);
        if (!bytes.isDirect() || bytes.capacity() != a.size() * Float.BYTES) {
            return null;
        }
        return bytes.order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /**
     * {@code Tensor.is_contiguous()}. DJL's public API has no such query; its package-private native
     * binding is reached by reflection (the jar is on the class path, no module boundary). Without it,
     * or if the call fails, every tensor counts as not contiguous and callers take their fallback.
     */
    private static boolean isContiguous(PtNDArray a) {
        if (IS_CONTIGUOUS == null) {
            return false;
        }
        try {
            return (boolean) IS_CONTIGUOUS.invoke(LIB, a.getHandle());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}

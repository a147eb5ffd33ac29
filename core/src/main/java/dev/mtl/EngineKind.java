package dev.mtl;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The inference engines: {@code pytorch} (always there) and {@code onnxruntime} (with {@code mtl-onnx}). */
public enum EngineKind {
    PYTORCH,
    ONNXRUNTIME;

    /** The property that chooses the engine; the environment variable {@link #ENV} is read when it is unset. */
    public static final String PROPERTY = "mtl.engine";

    public static final String ENV = "MTL_ENGINE";

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code pytorch} or {@code onnxruntime}; an unknown name lists the valid ones. */
    public static EngineKind parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("engine '" + name + "' is not one of "
                    + Arrays.stream(values()).map(EngineKind::id).collect(Collectors.joining(", ")));
        }
    }
}

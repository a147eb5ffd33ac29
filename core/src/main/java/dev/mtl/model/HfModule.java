package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A module whose parameters and children carry Hugging Face names, so that the full checkpoint key of
 * every parameter ({@code encoder.layer.0.attention.self.query.weight}) can be listed. Each subclass
 * has a typed {@code apply} method; loading and random initialisation go through {@link
 * ParameterTable}.
 *
 * <p>Not a DJL {@code Block}: nothing here runs through DJL's {@code forward(ParameterStore, NDList)},
 * its training loop or its predictors (docs/design.md says why).
 */
public abstract class HfModule {

    /** BERT initialises weights and embeddings from N(0, 0.02) ({@code initializer_range}). */
    public static final float INITIALIZER_RANGE = 0.02f;

    private final Map<String, Param> params = new LinkedHashMap<>();
    private final Map<String, HfModule> modules = new LinkedHashMap<>();

    protected final Param weight(String name, Shape shape) {
        return param(name, shape, new NormalInitializer(INITIALIZER_RANGE));
    }

    protected final Param bias(String name, long size) {
        return param(name, new Shape(size), Initializer.ZEROS);
    }

    protected final Param param(String name, Shape shape, Initializer init) {
        Param p = new Param(shape, init);
        if (params.putIfAbsent(name, p) != null) {
            throw new IllegalArgumentException("duplicate parameter name " + name);
        }
        return p;
    }

    protected final <M extends HfModule> M module(String name, M child) {
        if (modules.putIfAbsent(name, child) != null) {
            throw new IllegalArgumentException("duplicate module name " + name);
        }
        return child;
    }

    /** Adds every parameter of this module and its children under {@code prefix} to {@code out}. */
    public final void collect(String prefix, Map<String, Param> out) {
        params.forEach((name, p) -> out.put(prefix + name, p));
        modules.forEach((name, child) -> child.collect(prefix + name + ".", out));
    }

    /** The current value of a parameter; it must have been loaded or initialised. */
    protected static NDArray value(Param p) {
        return p.array();
    }
}

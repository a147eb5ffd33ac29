package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DJL block whose parameters and children carry Hugging Face names, so the full checkpoint key of
 * every parameter ({@code encoder.layer.0.attention.self.query.weight}) can be listed without DJL's
 * index-prefixed child names getting in the way.
 *
 * <p>Each parameter keeps its expected shape here rather than in DJL's {@link Parameter}, because a
 * DJL parameter with a shape refuses {@code setArray}; loading and random initialisation both go
 * through {@link ParameterTable}.
 */
public abstract class HfModule extends AbstractBlock {

    /** BERT initialises weights and embeddings from N(0, 0.02) ({@code initializer_range}). */
    public static final float INITIALIZER_RANGE = 0.02f;

    /** A parameter, its expected shape, and how to initialise it when no checkpoint provides it. */
    public record Slot(Parameter parameter, Shape shape, Initializer initializer) {}

    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final Map<String, HfModule> modules = new LinkedHashMap<>();

    protected final Parameter weight(String name, Shape shape) {
        return param(name, shape, Parameter.Type.WEIGHT, new NormalInitializer(INITIALIZER_RANGE));
    }

    protected final Parameter bias(String name, long size) {
        return param(name, new Shape(size), Parameter.Type.BIAS, Initializer.ZEROS);
    }

    protected final Parameter param(String name, Shape shape, Parameter.Type type, Initializer init) {
        Parameter p =
                addParameter(Parameter.builder().setName(name).setType(type).build());
        slots.put(name, new Slot(p, shape, init));
        return p;
    }

    protected final <M extends HfModule> M module(String name, M child) {
        addChildBlock(name, child);
        modules.put(name, child);
        return child;
    }

    /** Adds every parameter of this module and its children under {@code prefix} to {@code out}. */
    public final void collect(String prefix, Map<String, Slot> out) {
        slots.forEach((name, slot) -> out.put(prefix + name, slot));
        modules.forEach((name, child) -> child.collect(prefix + name + ".", out));
    }

    /** The current value of a parameter; it must have been loaded or initialised. */
    protected static NDArray value(Parameter p) {
        return p.getArray();
    }
}

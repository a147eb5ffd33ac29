package dev.mtl.bench;

import java.util.List;

/** One contender: texts in, one embedding per text out, in input order. */
interface EmbedSystem extends AutoCloseable {

    String name();

    float[][] embed(List<String> texts) throws Exception;
}

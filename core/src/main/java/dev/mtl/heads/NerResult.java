package dev.mtl.heads;

import java.util.List;

/**
 * An NER head's result for one input.
 *
 * @param tags one BIO tag per word
 * @param entities the spans those tags describe
 */
public record NerResult(List<String> tags, List<Entity> entities) {}

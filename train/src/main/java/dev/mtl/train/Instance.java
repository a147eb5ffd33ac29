package dev.mtl.train;

import java.util.Map;

/**
 * One training example, tokenized, with a target for each task its dataset feeds.
 *
 * @param ids token ids, [CLS] ... [SEP], at most max_length long
 * @param targets per task, what its head's loss takes ({@link dev.mtl.heads.Head#target})
 */
public record Instance(long[] ids, Map<String, Object> targets) {}

package dev.mtl.train;

import java.util.Map;

/**
 * One training example, tokenized and labelled for the tasks its dataset feeds.
 *
 * @param ids token ids, [CLS] ... [SEP], at most max_length long
 * @param classLabels per classification task, the label index (single-label tasks)
 * @param multiHot per multi-label classification task, 1 for each label the example carries
 * @param tokenLabels per NER task, one label per sub-token: the word's tag index on its first
 *     sub-token, {@link dev.mtl.tokenize.Alignment#IGNORE} elsewhere
 */
public record Instance(
        long[] ids, Map<String, Integer> classLabels, Map<String, float[]> multiHot, Map<String, int[]> tokenLabels) {}

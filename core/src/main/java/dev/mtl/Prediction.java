package dev.mtl;

import java.util.List;
import java.util.Map;

/**
 * Everything the model says about one input; fields for tasks that were not requested are null.
 *
 * @param text the input text (for pre-tokenized input: the words joined by single spaces)
 * @param words the words predictions refer to: the tokenizer's words for raw text (punctuation split
 *     off), the given words for pre-tokenized input
 * @param embedding the L2-normalized sentence embedding
 * @param classification per classification task, its prediction
 * @param ner per NER task, the tag of every word and the entities
 */
public record Prediction(
        String text,
        List<String> words,
        float[] embedding,
        Map<String, ClassPrediction> classification,
        Map<String, NerResult> ner) {

    /**
     * @param label the most probable label
     * @param scores the probability of every label (softmax; in multi-label mode, independent sigmoids)
     * @param labels the predicted labels: {@code [label]} for single-label tasks, every label at or over
     *     the threshold in multi-label mode (possibly none)
     */
    public record ClassPrediction(String label, Map<String, Float> scores, List<String> labels) {}

    /** @param tags one BIO tag per word; @param entities the spans those tags describe */
    public record NerResult(List<String> tags, List<Entity> entities) {}

    /**
     * An entity.
     *
     * @param start offset of the first character in {@link Prediction#text()} (Java UTF-16 index)
     * @param end offset after the last character (exclusive)
     * @param label the entity type (the tag without B-/I-)
     * @param text {@code text.substring(start, end)}
     * @param score confidence: the mean over the entity's words of the probability of their tag
     * @param firstWord index of the first word in {@link Prediction#words()}
     * @param endWord index after the last word (exclusive)
     */
    public record Entity(int start, int end, String label, String text, double score, int firstWord, int endWord) {}
}

package dev.mtl;

import dev.mtl.heads.ClassPrediction;
import dev.mtl.heads.NerResult;
import java.util.List;
import java.util.Map;

/**
 * Everything the model says about one input; fields for outputs that were not requested are null.
 *
 * @param text the input text (for pre-tokenized input: the words joined by single spaces)
 * @param words the words predictions refer to: the tokenizer's words for raw text (punctuation split
 *     off), the given words for pre-tokenized input
 * @param embedding the sentence embedding (L2-normalized unless the model's embedding head says not)
 * @param classification per classification task, its prediction
 * @param ner per NER task, the tag of every word and the entities (character offsets into {@code text})
 */
public record Prediction(
        String text,
        List<String> words,
        float[] embedding,
        Map<String, ClassPrediction> classification,
        Map<String, NerResult> ner) {}

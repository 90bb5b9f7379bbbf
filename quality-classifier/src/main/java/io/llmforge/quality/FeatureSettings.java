package io.llmforge.quality;

import io.llmforge.pipeline.config.ConfigReader;
import java.io.Serializable;

/**
 * How text becomes a feature vector (see {@code classify-train.features}).
 *
 * @param maxChars   only the first this-many characters of a document are looked at: bounds scoring cost
 * @param wordNgrams 1: words; 2: words and word bigrams; 3: up to trigrams
 * @param charNgram  length of the character n-grams
 * @param buckets    size of the hashed feature space shared by all terms
 * @param idf        weight terms by inverse document frequency (fitted on the training split)
 * @param minDocFreq terms in fewer training documents get IDF 0 (ignored)
 * @param binary     count a term once per document, however often it occurs
 */
public record FeatureSettings(int maxChars, int wordNgrams, int charNgram, int buckets, boolean idf, int minDocFreq,
                              boolean binary) implements Serializable {

  public static FeatureSettings from(ConfigReader c) {
    return new FeatureSettings(c.intIn("max-chars", 100, 10_000_000), c.intIn("word-ngrams", 1, 3),
        c.intIn("char-ngram", 2, 8), c.intIn("buckets", 1 << 8, 1 << 24), c.bool("idf"),
        c.intIn("min-doc-freq", 0, 1_000_000), c.bool("binary"));
  }
}

package io.llmforge.quality;

/**
 * The model shapes classify-train can fit and compare. All share the text normalisation and hashed features;
 * they differ in which features they use and in the classifier.
 */
public enum ModelVariant {
  WORDS_CHARS_LR(true, true, "word uni/bigrams + char n-grams, TF-IDF, logistic regression"),
  WORDS_LR(true, false, "word uni/bigrams, TF-IDF, logistic regression"),
  CHARS_LR(false, true, "char n-grams, TF-IDF, logistic regression"),
  WORDS_CHARS_NB(true, true, "word uni/bigrams + char n-grams, TF-IDF, multinomial naive Bayes"),
  WORDS_NB(true, false, "word uni/bigrams, TF-IDF, multinomial naive Bayes");

  private final boolean words;
  private final boolean chars;
  private final String description;

  ModelVariant(boolean words, boolean chars, String description) {
    this.words = words;
    this.chars = chars;
    this.description = description;
  }

  public boolean usesWords() {
    return words;
  }

  public boolean usesChars() {
    return chars;
  }

  public boolean naiveBayes() {
    return this == WORDS_CHARS_NB || this == WORDS_NB;
  }

  public String description() {
    return description;
  }

  /** The configuration spelling, e.g. {@code words-chars-lr}. */
  public String configName() {
    return name().toLowerCase().replace('_', '-');
  }

  public static ModelVariant parse(String name) {
    for (ModelVariant v : values()) {
      if (v.configName().equals(name.trim().toLowerCase().replace('_', '-'))) {
        return v;
      }
    }
    throw new IllegalArgumentException(name);
  }
}

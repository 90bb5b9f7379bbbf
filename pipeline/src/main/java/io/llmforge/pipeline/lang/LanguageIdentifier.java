package io.llmforge.pipeline.lang;

import com.optimaize.langdetect.DetectedLanguage;
import com.optimaize.langdetect.LanguageDetector;
import com.optimaize.langdetect.LanguageDetectorBuilder;
import com.optimaize.langdetect.ngram.NgramExtractors;
import com.optimaize.langdetect.profiles.LanguageProfile;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import com.optimaize.langdetect.text.CommonTextObjectFactories;
import com.optimaize.langdetect.text.TextObject;
import com.optimaize.langdetect.text.TextObjectFactory;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Language identification with the optimaize n-gram detector (71 built-in language profiles, the same
 * detector Apache Tika ships). The detector is loaded once per JVM and shared: it is immutable and
 * thread-safe, and loading its profiles costs about a second, which must not happen per Spark task.
 *
 * <p>Only the first {@link #SAMPLE_CHARS} characters are looked at: more text does not change the answer for
 * real pages, and it bounds the cost on huge ones.
 */
public final class LanguageIdentifier implements Serializable {
  static final int SAMPLE_CHARS = 5000;

  public LanguageGuess identify(String text) {
    String sample = text.length() > SAMPLE_CHARS ? text.substring(0, SAMPLE_CHARS) : text;
    TextObject input = Holder.TEXT_FACTORY.forText(sample);
    List<DetectedLanguage> probabilities = Holder.DETECTOR.getProbabilities(input);
    if (probabilities.isEmpty()) {
      return new LanguageGuess(LanguageGuess.UNDETERMINED, 0f);
    }
    DetectedLanguage best = probabilities.get(0);
    return new LanguageGuess(best.getLocale().getLanguage(), (float) best.getProbability());
  }

  /** Lazily initialised per JVM (initialisation-on-demand holder), never serialised. */
  private static final class Holder {
    static final TextObjectFactory TEXT_FACTORY = CommonTextObjectFactories.forDetectingOnLargeText();
    static final LanguageDetector DETECTOR = load();

    private static LanguageDetector load() {
      try {
        List<LanguageProfile> profiles = new LanguageProfileReader().readAllBuiltIn();
        return LanguageDetectorBuilder.create(NgramExtractors.standard())
            .withProfiles(profiles)
            .minimalConfidence(0.1)
            .build();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot load the built-in language profiles", e);
      }
    }
  }
}

package io.llmforge.pipeline.lang;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.document.Document;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LanguageIdentifierTest {
  private final LanguageIdentifier id = new LanguageIdentifier();

  @Test
  void identifiesCommonLanguagesWithHighScores() {
    assertLanguage("en", "The old stone bridge was repaired by the villagers during the long winter, and "
        + "the children planted flowers along the river every spring.");
    assertLanguage("fr", "Le vieux pont de pierre a été restauré par les habitants du village pendant le long hiver.");
    assertLanguage("de", "Die alte Brücke wurde im letzten Sommer von den Bewohnern des Dorfes repariert.");
    assertLanguage("es", "El viejo puente de piedra fue restaurado por los vecinos del pueblo durante el invierno.");
    assertLanguage("zh", "这座古老的石桥在漫长的冬天里由村民们修复，孩子们每年春天都在河边种花。");
  }

  private void assertLanguage(String expected, String text) {
    LanguageGuess guess = id.identify(text);
    assertEquals(expected, guess.language(), text);
    assertTrue(guess.score() > 0.8, expected + " score " + guess.score());
  }

  @Test
  void noTextIsUndetermined() {
    assertEquals(LanguageGuess.UNDETERMINED, id.identify("").language());
    assertEquals(LanguageGuess.UNDETERMINED, id.identify("12345 !!! ---").language());
  }

  @Test
  void filterKeepsAllowedLanguagesAboveTheThreshold() {
    LanguageFilter filter = new LanguageFilter(Set.of("en"), 0.65);
    Document en = Document.of("u", null, "s", "x").withLanguage("en", 0.99f);
    assertTrue(filter.apply(en).kept());
    assertFalse(filter.apply(en.withLanguage("en", 0.5f)).kept());
    assertTrue(filter.apply(en.withLanguage("fr", 0.99f)).rejectReason().contains("not in [en]"));
    assertTrue(new LanguageFilter(Set.of(), 0.0).apply(en.withLanguage("fr", 0.99f)).kept(), "empty = any language");
    assertEquals(0.5, filter.apply(en.withLanguage("en", 0.5f)).signals().get("language_score"), 1e-6);
  }
}

package io.llmforge.pipeline.rephrase;

import io.llmforge.pipeline.tokenizer.Sha256;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A way of rewriting a document: a name, a system prompt and a user prompt with {@code {text}} where the
 * document goes. The built-in ones follow "Rephrasing the Web" (Maini et al., 2024): rewriting web text as
 * encyclopedia prose or as questions and answers gives a model the same facts in cleaner, more varied form.
 */
public record RephraseStyle(String name, String system, String userTemplate) implements Serializable {
  public static final String TEXT = "{text}";

  public static final String DEFAULT_SYSTEM = "You rewrite web documents for a language-model training set. "
      + "Keep every fact of the original and add none. Reply with the rewritten text only, no preamble.";

  /** The styles every configuration knows by name. */
  public static Map<String, String> builtInTemplates() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("encyclopedic", "Rewrite the following text in the style of an encyclopedia article such as Wikipedia: "
        + "neutral, factual, clearly structured, in high-quality English.\n\nText:\n" + TEXT);
    m.put("qa", "Turn the following text into questions and answers, each as 'Question: ...' on one line and "
        + "'Answer: ...' on the next. Cover the important facts of the text and nothing else.\n\nText:\n" + TEXT);
    m.put("simple", "Rewrite the following text in simple, plain English that a twelve-year-old can follow, "
        + "keeping all of its facts.\n\nText:\n" + TEXT);
    return m;
  }

  public RephraseStyle {
    if (!userTemplate.contains(TEXT)) {
      throw new IllegalArgumentException("prompt of style '" + name + "' has no " + TEXT + " placeholder");
    }
  }

  /** The request for one document; its key covers the model, both prompts and the text. */
  public RephraseBackend.Request request(String model, String text) {
    String user = userTemplate.replace(TEXT, text);
    return new RephraseBackend.Request(cacheKey(model, user), system, user);
  }

  String cacheKey(String model, String user) {
    return Sha256.hex(model + "\u0000" + name + "\u0000" + system + "\u0000" + user);
  }

  /** The doc_id of the rewrite of {@code docId} in style {@code style}: stable, 32 hex digits like every doc_id. */
  public static String rephrasedId(String style, String docId) {
    return Sha256.hex("rephrase\u0000" + style + "\u0000" + docId).substring(0, 32);
  }
}

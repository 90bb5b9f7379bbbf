package io.llmforge.pipeline.rephrase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.JobConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RephraseSettingsTest {
  private static RephraseSettings load(String... overrides) {
    List<String> all = new ArrayList<>(List.of("rephrase.input=[docs]", "rephrase.output=out/rephrased"));
    all.addAll(List.of(overrides));
    return RephraseSettings.from(JobConfig.load("rephrase", List.of("rephrase"), List.of(), all));
  }

  @Test
  void defaultsWithAModel() {
    RephraseSettings s = load("rephrase.openai.model=llama-3.1-8b-instruct");
    assertEquals(List.of("encyclopedic", "qa"), s.styles().stream().map(RephraseStyle::name).toList());
    assertEquals("out/rephrased.cache", s.cacheDir());
    assertEquals(5.0 / 4, s.backendForTask().requestsPerSecond(), 1e-9, "the job's rate is shared by its tasks");
  }

  @Test
  void customStylesAndTheirErrors() {
    RephraseSettings s = load("rephrase.openai.model=m", "rephrase.custom-prompts.tutorial=\"Teach: {text}\"",
        "rephrase.styles=[tutorial, qa]");
    assertEquals("Teach: hi", s.styles().get(0).request("m", "hi").user());
    ConfigError unknown = assertThrows(ConfigError.class, () -> load("rephrase.openai.model=m", "rephrase.styles=[poem]"));
    assertTrue(unknown.getMessage().contains("poem"), unknown.getMessage());
    ConfigError noPlaceholder = assertThrows(ConfigError.class,
        () -> load("rephrase.openai.model=m", "rephrase.custom-prompts.x=\"no placeholder\""));
    assertTrue(noPlaceholder.getMessage().contains("{text}"), noPlaceholder.getMessage());
  }

  @Test
  void aModelIsRequiredOnlyWhenSomethingIsRephrased() {
    ConfigError e = assertThrows(ConfigError.class, () -> load());
    assertTrue(e.getMessage().contains("rephrase.openai.model"), e.getMessage());
    assertEquals(0.0, load("rephrase.fraction=0").fraction());
    ConfigError checkpoint = assertThrows(ConfigError.class, () -> load("rephrase.openai.model=m",
        "rephrase.backend=checkpoint"));
    assertTrue(checkpoint.getMessage().contains("rephrase.checkpoint.path"), checkpoint.getMessage());
    assertThrows(ConfigError.class, () -> load("rephrase.openai.modle=m"));
  }

  @Test
  void cacheKeysCoverModelPromptAndText() {
    RephraseStyle qa = new RephraseStyle("qa", "sys", "Q: {text}");
    String key = qa.request("m1", "text").key();
    assertEquals(key, qa.request("m1", "text").key());
    assertTrue(!key.equals(qa.request("m2", "text").key()));
    assertTrue(!key.equals(qa.request("m1", "text!").key()));
    assertTrue(!key.equals(new RephraseStyle("qa", "other", "Q: {text}").request("m1", "text").key()));
  }
}

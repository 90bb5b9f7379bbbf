package io.llmforge.trainer.judge;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.rephrase.BackendSettings;
import java.io.Serializable;
import java.util.List;

/**
 * The {@code judge} job's settings ({@code judge.*}, conf/judge.conf), validated before any work. How the judge is
 * asked is {@link JudgeClientSettings} (conf/judge-client.conf, shared with the RL jobs' judge reward).
 *
 * @param inbox       the folder the preference file lands in (what {@code rm-retrain.input} reads)
 * @param source      the {@code source} of every preference row written
 * @param cacheDir    replies already received, kept across runs
 * @param parallelism tasks calling the backend at once
 */
public record JudgeSettings(List<String> input, String output, boolean overwrite, String inbox, String source,
    JudgeClientSettings client, String cacheDir, int parallelism) implements Serializable {

  public static JudgeSettings from(ConfigReader root) {
    ConfigReader c = root.at("judge");
    List<String> input = c.strings("input");
    if (input.isEmpty()) {
      throw c.error("input", "is empty; list pair files or folders (best-of-n's pairs/, or rows with a \"prompt\" "
          + "and two \"answers\")");
    }
    String output = c.requiredString("output");
    JudgeClientSettings client = JudgeClientSettings.from(c);
    String source = c.requiredString("source");
    String cacheDir = c.string("cache-dir");
    return new JudgeSettings(input, output, c.bool("overwrite"), c.requiredString("inbox"), source, client,
        cacheDir.isBlank() ? output + ".cache" : cacheDir, c.intIn("parallelism", 1, 100_000));
  }

  /** Fails naming the key when the checkpoint judge's folder is missing. */
  public void checkModel() {
    client.checkModel();
  }

  public BackendSettings backend() {
    return client.backend();
  }

  public boolean constrained() {
    return client.constrained();
  }

  public JudgePrompt prompt() {
    return client.prompt();
  }

  public int batchSize() {
    return client.batchSize();
  }

  /** The judge model's name as the cache and stats name it. */
  public String model() {
    return client.model();
  }

  /** The backend settings one task uses: its share of the job's request rate. */
  public BackendSettings backendForTask() {
    return client.backendFor(parallelism);
  }
}

package io.llmforge.trainer.judge;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.rephrase.BackendSettings;
import io.llmforge.pipeline.rephrase.Secret;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code judge} job's settings ({@code judge.*}, conf/judge.conf), validated before any work. The endpoint
 * backend is configured exactly as the rephrase job's ({@link BackendSettings#openAi}): the same client, retries,
 * rate limit and key handling.
 *
 * @param inbox             the folder the preference file lands in (what {@code rm-retrain.input} reads)
 * @param source            the {@code source} of every preference row written
 * @param constrained       the checkpoint judge picks the likelier of the letters A and B instead of generating
 * @param cacheDir          replies already received, kept across runs
 * @param parallelism       tasks calling the backend at once
 * @param batchSize         requests per batch: sent concurrently, then cached together
 * @param requestsPerSecond for the whole job, split evenly over the tasks; 0: unlimited
 */
public record JudgeSettings(List<String> input, String output, boolean overwrite, String inbox, String source,
    BackendSettings backend, boolean constrained, JudgePrompt prompt, String cacheDir, int parallelism,
    int batchSize, double requestsPerSecond) implements Serializable {

  public static JudgeSettings from(ConfigReader root) {
    ConfigReader c = root.at("judge");
    List<String> input = c.strings("input");
    if (input.isEmpty()) {
      throw c.error("input", "is empty; list pair files or folders (best-of-n's pairs/, or rows with a \"prompt\" "
          + "and two \"answers\")");
    }
    String output = c.requiredString("output");
    BackendSettings.Kind kind = c.enumValue("backend", BackendSettings.Kind.class);
    BackendSettings backend = kind == BackendSettings.Kind.CHECKPOINT ? checkpoint(c)
        : BackendSettings.openAi(c, "when judge.backend = openai");
    JudgePrompt prompt;
    try {
      prompt = new JudgePrompt(c.string("system-prompt"), c.string("template"));
    } catch (IllegalArgumentException e) {
      throw c.error("template", "must contain " + JudgePrompt.QUESTION + ", " + JudgePrompt.ANSWER_A + " and "
          + JudgePrompt.ANSWER_B + " (" + e.getMessage() + ")");
    }
    String source = c.requiredString("source");
    String cacheDir = c.string("cache-dir");
    return new JudgeSettings(input, output, c.bool("overwrite"), c.requiredString("inbox"), source, backend,
        c.at("checkpoint").bool("constrained"), prompt, cacheDir.isBlank() ? output + ".cache" : cacheDir,
        c.intIn("parallelism", 1, 100_000), c.intIn("batch-size", 1, 100_000),
        c.doubleIn("requests-per-second", 0.0, 1e6));
  }

  /**
   * An llmforge checkpoint in each task. The cache's model name says whether its verdicts were constrained, so the
   * replies of one way of asking are never taken for the other's.
   */
  private static BackendSettings checkpoint(ConfigReader c) {
    ConfigReader k = c.at("checkpoint");
    String path = k.requiredString("path");
    String absolute = Path.of(path).toAbsolutePath().normalize().toString();
    String model = "llmforge:" + absolute + (k.bool("constrained") ? "#constrained" : "");
    return new BackendSettings(BackendSettings.Kind.CHECKPOINT, "", model, new Secret(""),
        k.doubleIn("temperature", 0.0, 2.0), k.intIn("max-tokens", 1, 1_000_000), Duration.ZERO,
        c.intIn("concurrency", 1, 1024), 0, 0, Duration.ZERO, Duration.ZERO, absolute);
  }

  /**
   * Fails naming the key when the checkpoint judge's folder is missing: checked when the job starts, since in
   * {@code llmforge run} the model is made by an earlier step.
   */
  public void checkModel() {
    if (backend.kind() == BackendSettings.Kind.CHECKPOINT && !Files.isDirectory(Path.of(backend.checkpoint()))) {
      throw new ConfigError("judge.checkpoint.path: " + backend.checkpoint() + " is not a folder");
    }
  }

  /** The judge model's name as the cache and stats name it. */
  public String model() {
    return backend.model();
  }

  /** The backend settings one task uses: its share of the job's request rate. */
  public BackendSettings backendForTask() {
    return backend.withRequestsPerSecond(requestsPerSecond <= 0 ? 0 : requestsPerSecond / parallelism);
  }
}

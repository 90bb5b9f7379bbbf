package io.llmforge.trainer.judge;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.rephrase.BackendSettings;
import io.llmforge.pipeline.rephrase.Secret;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How an AI judge is asked (conf/judge-client.conf, included under {@code judge} and under the RL jobs'
 * {@code reward.judge}): the backend, configured exactly as the rephrase job's endpoint ({@link BackendSettings#openAi}:
 * the same client, retries, rate limit and key handling) or an llmforge checkpoint, and the question.
 *
 * @param checkpointKey     the full key of the checkpoint's path, for the error when the folder is missing
 * @param constrained       the checkpoint judge picks the likelier of the letters A and B instead of generating
 * @param batchSize         requests per batch: sent concurrently
 * @param requestsPerSecond in all; 0: unlimited
 */
public record JudgeClientSettings(BackendSettings backend, String checkpointKey, boolean constrained,
    JudgePrompt prompt, int batchSize, double requestsPerSecond) implements Serializable {

  /** The keys of conf/judge-client.conf under {@code c}. */
  public static JudgeClientSettings from(ConfigReader c) {
    BackendSettings.Kind kind = c.enumValue("backend", BackendSettings.Kind.class);
    BackendSettings backend = kind == BackendSettings.Kind.CHECKPOINT ? checkpoint(c)
        : BackendSettings.openAi(c, "when " + c.fullKey("backend") + " = openai");
    JudgePrompt prompt;
    try {
      prompt = new JudgePrompt(c.string("system-prompt"), c.string("template"));
    } catch (IllegalArgumentException e) {
      throw c.error("template", "must contain " + JudgePrompt.QUESTION + ", " + JudgePrompt.ANSWER_A + " and "
          + JudgePrompt.ANSWER_B + " (" + e.getMessage() + ")");
    }
    return new JudgeClientSettings(backend, c.at("checkpoint").fullKey("path"), c.at("checkpoint").bool("constrained"),
        prompt, c.intIn("batch-size", 1, 100_000), c.doubleIn("requests-per-second", 0.0, 1e6));
  }

  /**
   * An llmforge checkpoint. The model name (what caches are keyed by) says whether its verdicts were constrained, so
   * the replies of one way of asking are never taken for the other's.
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
      throw new ConfigError(checkpointKey + ": " + backend.checkpoint() + " is not a folder");
    }
  }

  /** The judge model's name as caches and stats name it. */
  public String model() {
    return backend.model();
  }

  /** The backend settings for one of {@code tasks} callers sharing the rate limit. */
  public BackendSettings backendFor(int tasks) {
    return backend.withRequestsPerSecond(requestsPerSecond <= 0 ? 0 : requestsPerSecond / tasks);
  }
}

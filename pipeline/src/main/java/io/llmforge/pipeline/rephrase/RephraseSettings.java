package io.llmforge.pipeline.rephrase;

import io.llmforge.pipeline.config.ConfigReader;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of the rephrase job ({@code conf/rephrase.conf}), validated before any work.
 *
 * @param fraction          share of (original) documents rewritten, chosen by a hash of doc_id and the seed
 * @param styles            every chosen document is rewritten once per style
 * @param maxInputChars     longer documents are not sent (they would not fit the model's context)
 * @param cacheDir          rewrites already made, keyed by request; survives a killed or failed run
 * @param parallelism       tasks calling the endpoint at once
 * @param batchSize         requests per batch: sent concurrently, then written to the cache together
 * @param requestsPerSecond for the whole job, split evenly across the tasks; 0: unlimited
 */
public record RephraseSettings(
    List<String> input,
    String output,
    boolean overwrite,
    double fraction,
    long seed,
    List<RephraseStyle> styles,
    int maxInputChars,
    String cacheDir,
    int parallelism,
    int batchSize,
    double requestsPerSecond,
    BackendSettings backend) implements Serializable {

  public static final String SECTION = "rephrase";

  public static RephraseSettings from(ConfigReader config) {
    ConfigReader c = config.at(SECTION);
    List<String> input = c.strings("input");
    if (input.isEmpty()) {
      throw c.error("input", "is required: the documents Parquet folder(s) to rephrase");
    }
    String output = c.requiredString("output");
    double fraction = c.doubleIn("fraction", 0.0, 1.0);
    String system = c.string("system-prompt");
    Map<String, String> templates = new LinkedHashMap<>(RephraseStyle.builtInTemplates());
    var custom = config.raw().getObject(SECTION + ".custom-prompts");
    for (String name : custom.keySet()) {
      String template = config.raw().getString(SECTION + ".custom-prompts." + name);
      if (!template.contains(RephraseStyle.TEXT)) {
        throw c.error("custom-prompts." + name, "must contain " + RephraseStyle.TEXT + " where the document goes");
      }
      templates.put(name, template);
    }
    List<RephraseStyle> styles = new ArrayList<>();
    for (String name : c.strings("styles")) {
      String template = templates.get(name);
      if (template == null) {
        throw c.error("styles", "names unknown style '" + name + "'; known: " + templates.keySet()
            + " (add your own under " + SECTION + ".custom-prompts)");
      }
      styles.add(new RephraseStyle(name, system, template));
    }
    if (styles.isEmpty() && fraction > 0) {
      throw c.error("styles", "is empty but fraction is " + fraction);
    }
    BackendSettings.Kind kind = c.enumValue("backend", BackendSettings.Kind.class);
    BackendSettings backend = kind == BackendSettings.Kind.CHECKPOINT ? checkpointBackend(c, fraction)
        : BackendSettings.openAi(c, fraction > 0 ? "when rephrase.fraction > 0" : null);
    String cacheDir = c.string("cache-dir");
    return new RephraseSettings(input, output, c.bool("overwrite"), fraction, c.longIn("seed", Long.MIN_VALUE,
        Long.MAX_VALUE), styles, c.intIn("max-input-chars", 1, Integer.MAX_VALUE),
        cacheDir.isBlank() ? output + ".cache" : cacheDir, c.intIn("parallelism", 1, 100_000),
        c.intIn("batch-size", 1, 100_000), c.doubleIn("requests-per-second", 0.0, 1e6), backend);
  }

  /**
   * An llmforge checkpoint run in each task: no endpoint, key, rate or retries; the cache's model name is the
   * checkpoint's path, so rewrites of another model are never taken for its own.
   */
  private static BackendSettings checkpointBackend(ConfigReader c, double fraction) {
    ConfigReader k = c.at("checkpoint");
    String path = k.string("path");
    if (fraction > 0 && path.isBlank()) {
      throw k.error("path", "is required when rephrase.backend = checkpoint (an SFT run folder or step folder)");
    }
    if (fraction > 0 && !java.nio.file.Files.isDirectory(java.nio.file.Path.of(path))) {
      throw k.error("path", "is not a folder: " + path);
    }
    String absolute = path.isBlank() ? "" : java.nio.file.Path.of(path).toAbsolutePath().normalize().toString();
    return new BackendSettings(BackendSettings.Kind.CHECKPOINT, "", "llmforge:" + absolute, new Secret(""),
        k.doubleIn("temperature", 0.0, 2.0), k.intIn("max-tokens", 1, 1_000_000), Duration.ZERO,
        c.intIn("concurrency", 1, 1024), 0, 0, Duration.ZERO, Duration.ZERO, absolute);
  }

  /** The backend settings one task uses: its share of the job's request rate. */
  public BackendSettings backendForTask() {
    return backend.withRequestsPerSecond(requestsPerSecond <= 0 ? 0 : requestsPerSecond / parallelism);
  }
}

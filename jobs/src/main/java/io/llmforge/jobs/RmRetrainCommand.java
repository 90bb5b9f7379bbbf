package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.reward.RetrainSettings;
import io.llmforge.trainer.reward.RewardRetrainJob;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llmforge rm-retrain}: one pass of the scheduled reward-model retraining (for cron, Airflow, a Kubernetes
 * CronJob), or {@code --watch PERIOD} passes until stopped. Exit 0 whether it trained, had nothing to do or found
 * another run holding the lock; it prints which.
 */
@Command(name = "rm-retrain", mixinStandardHelpOptions = true,
    description = "Scheduled reward-model retraining: new preferences since the watermark -> v(N+1), promoted to "
        + "rm/current only if it passes the held-out gate; idempotent, locked, resumes a killed run.")
final class RmRetrainCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Option(names = "--watch", paramLabel = "PERIOD",
      description = "Run a pass every PERIOD (e.g. 30m, 1h, 90s) until stopped, for users without a scheduler.")
  String watch;

  @Override
  public Integer call() throws InterruptedException {
    ConfigReader config = JobConfig.load("rm-retrain", List.of("rm-train", "rm-retrain"), options.confFiles,
        options.overrides);
    RetrainSettings settings = RetrainSettings.from(config);
    Duration period = watch == null ? null : period(watch);
    SparkSession spark = Spark.session(config, "llmforge-rm-retrain");
    if (period == null) {
      JobStats stats = RewardRetrainJob.run(spark, settings, System.out);
      Console.printStats("rm-retrain", stats);
    } else {
      RewardRetrainJob.watch(spark, settings, period, 0, System.out);
    }
    return 0;
  }

  /** {@code 90s}, {@code 30m}, {@code 1h}, {@code 1d}, or an ISO-8601 duration ({@code PT1H}). */
  static Duration period(String text) {
    String t = text.strip().toLowerCase(java.util.Locale.ROOT);
    try {
      if (t.startsWith("pt") || t.startsWith("p")) {
        return positive(Duration.parse(t.toUpperCase(java.util.Locale.ROOT)), text);
      }
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return positive(switch (t.charAt(t.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> throw new NumberFormatException();
      }, text);
    } catch (RuntimeException e) {
      throw new ConfigError("--watch " + text + ": expected a period such as 90s, 30m, 1h or 1d");
    }
  }

  private static Duration positive(Duration d, String text) {
    if (d.isZero() || d.isNegative()) {
      throw new ConfigError("--watch " + text + ": the period must be positive");
    }
    return d;
  }
}

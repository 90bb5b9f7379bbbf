package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.metrics.MetricsLog;
import io.llmforge.trainer.rl.GrpoSettings;
import io.llmforge.trainer.rl.GrpoTraining;
import io.llmforge.trainer.rl.VerifiableTasks;
import io.llmforge.trainer.sft.SftPrepareJob;
import io.llmforge.trainer.sft.SftPrepareSettings;
import io.llmforge.trainer.sft.SftSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llmforge bench grpo}: the {@code bench sft} pretrained model fine-tuned on worked verifiable tasks, then
 * GRPO on new draws of the task; held-out greedy accuracy and stop rate before and after, reward and KL along the
 * way (conf/bench-grpo.conf). Needs no external data: the tasks are the project's own.
 */
@Command(name = "grpo", mixinStandardHelpOptions = true,
    description = "GRPO on a verifiable task (multi-digit addition): SFT on worked tasks, then RL; held-out greedy "
        + "accuracy before/after, reward and KL curves; table + JSON.")
final class GrpoBenchCommand implements Callable<Integer> {
  static final List<String> SECTIONS = List.of("bench-grpo", "sft-prepare", "sft", "grpo");

  @Mixin
  JobOptions options;

  @Option(names = "--pretrained", paramLabel = "DIR", defaultValue = "work/bench/sft/pretrain",
      description = "The pretrained model (default: ${DEFAULT-VALUE}, made by `llmforge bench sft`).")
  Path pretrained;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "work/bench/grpo.json",
      description = "Where to write the JSON result (default: ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws IOException {
    if (!Checkpoint.exists(pretrained)) {
      System.err.println("bench grpo: no pretrained model at " + pretrained + "; make it with `llmforge bench sft` "
          + "or pass --pretrained");
      return 2;
    }
    ConfigReader first = JobConfig.load("bench-grpo", SECTIONS, options.confFiles, options.overrides);
    Path work = Path.of(first.requiredString("bench-grpo.workdir")).toAbsolutePath();
    ConfigReader task = first.at("grpo").at("task");
    VerifiableTasks.Kind kind = task.enumValue("kind", VerifiableTasks.Kind.class);
    int size = task.intIn("size", 1, 6);
    int worked = first.intIn("bench-grpo.worked-tasks", 1, 10_000_000);
    Path tasks = VerifiableTasks.writeConversations(work.resolve("tasks/worked.jsonl"), kind, worked, size, 777);
    List<String> overrides = new ArrayList<>(List.of(
        "sft-prepare.input=[" + Flow.quote(tasks) + "]", "sft-prepare.base=" + Flow.quote(pretrained.toAbsolutePath()),
        "sft-prepare.output=" + Flow.quote(work.resolve("sft-data")), "sft-prepare.overwrite=true",
        "sft.data=" + Flow.quote(work.resolve("sft-data")), "sft.base=" + Flow.quote(pretrained.toAbsolutePath()),
        "sft.output=" + Flow.quote(work.resolve("sft")), "sft.overwrite=true",
        "grpo.base=" + Flow.quote(work.resolve("sft")), "grpo.output=" + Flow.quote(work.resolve("grpo")),
        "grpo.overwrite=true"));
    overrides.addAll(options.overrides);
    ConfigReader config = JobConfig.load("bench-grpo", SECTIONS, options.confFiles, overrides);
    SftPrepareSettings prepare = SftPrepareSettings.from(config);
    SftSettings sft = SftSettings.from(config);
    GrpoSettings grpo = GrpoSettings.from(config);
    SparkSession spark = Spark.session(config, "llmforge-bench-grpo");
    long t0 = System.nanoTime();
    SftPrepareJob.run(spark, prepare);
    SftCommand.run(spark, sft);
    long tg = System.nanoTime();
    JobStats g = GrpoTraining.run(spark, grpo, System.out);
    double grpoSeconds = (System.nanoTime() - tg) / 1e9;
    List<Map<String, Object>> curve = new MetricsLog(work.resolve("grpo").resolve(MetricsLog.FILE)).read().stream()
        .filter(l -> l.containsKey("reward") || l.containsKey("eval/accuracy")).toList();

    System.out.println();
    System.out.printf("%-40s %10s %10s%n", kind.name().toLowerCase(Locale.ROOT) + " (size " + size + "), "
        + grpo.evalPrompts() + " held-out", "SFT", "GRPO");
    System.out.printf(Locale.ROOT, "%-40s %10.3f %10.3f%n", "greedy accuracy", g.number("eval_accuracy_at_start"),
        g.number("eval_accuracy"));
    System.out.printf(Locale.ROOT, "%-40s %10.3f %10.3f%n", "stop rate", g.number("eval_stop_rate_at_start"),
        g.number("eval_stop_rate"));
    JobStats json = new JobStats()
        .put("benchmark", "grpo")
        .put("task", kind.name().toLowerCase(Locale.ROOT))
        .put("task_size", size)
        .put("worked_tasks_for_sft", worked)
        .put("pretrained", Checkpoint.resolve(pretrained, System.err).toString())
        .put("grpo", g.asMap())
        .put("grpo_seconds", grpoSeconds)
        .put("curve", curve)
        .put("seconds", (System.nanoTime() - t0) / 1e9)
        .put("command", "llmforge bench grpo --pretrained " + pretrained);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, json.toJson());
    System.out.println("bench grpo: wrote " + out);
    return 0;
  }
}

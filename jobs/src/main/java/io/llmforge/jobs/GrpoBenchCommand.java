package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.metrics.MetricsLog;
import io.llmforge.trainer.rl.OnlineSettings;
import io.llmforge.trainer.rl.GrpoTraining;
import io.llmforge.trainer.rl.PpoSettings;
import io.llmforge.trainer.rl.PpoTraining;
import io.llmforge.trainer.rl.VerifiableTasks;
import io.llmforge.trainer.sft.SftPrepareJob;
import io.llmforge.trainer.sft.SftPrepareSettings;
import io.llmforge.trainer.sft.SftSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * GRPO and PPO (each from that SFT model) on new draws of the task; held-out greedy accuracy and stop rate before
 * and after, reward, KL and answer length along the way, and where the time goes: sampling on the KV cache, rewards,
 * updates (conf/bench-grpo.conf). Needs no external data: the tasks are the project's own.
 */
@Command(name = "grpo", mixinStandardHelpOptions = true,
    description = "GRPO and PPO on a verifiable task (one-digit addition by default): SFT on worked tasks, then "
        + "RL; held-out greedy accuracy before/after, KL, answer length, sampling and update tokens/s; table + JSON.")
final class GrpoBenchCommand implements Callable<Integer> {
  static final List<String> SECTIONS = List.of("bench-grpo", "sft-prepare", "sft", "grpo", "ppo");

  @Mixin
  JobOptions options;

  @Option(names = "--pretrained", paramLabel = "DIR", defaultValue = "work/bench/sft/pretrain",
      description = "The pretrained model (default: ${DEFAULT-VALUE}, made by `llmforge bench sft`).")
  Path pretrained;

  @Option(names = "--algorithms", split = ",", defaultValue = "grpo,ppo", paramLabel = "grpo,ppo",
      description = "Which RL jobs run from the same SFT model (default: ${DEFAULT-VALUE}).")
  List<String> algorithms;

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
        "grpo.overwrite=true", "ppo.base=" + Flow.quote(work.resolve("sft")),
        "ppo.output=" + Flow.quote(work.resolve("ppo")), "ppo.overwrite=true"));
    for (String a : algorithms) {
      if (!a.equals("grpo") && !a.equals("ppo")) {
        System.err.println("bench grpo: --algorithms takes grpo and/or ppo, not '" + a + "'");
        return 2;
      }
    }
    overrides.addAll(options.overrides);
    ConfigReader config = JobConfig.load("bench-grpo", SECTIONS, options.confFiles, overrides);
    SftPrepareSettings prepare = SftPrepareSettings.from(config);
    SftSettings sft = SftSettings.from(config);
    OnlineSettings grpo = OnlineSettings.from(config);
    PpoSettings ppo = PpoSettings.from(config);
    SparkSession spark = Spark.session(config, "llmforge-bench-grpo");
    long t0 = System.nanoTime();
    SftPrepareJob.run(spark, prepare);
    SftCommand.run(spark, sft);
    Map<String, JobStats> runs = new LinkedHashMap<>();
    Map<String, Double> seconds = new LinkedHashMap<>();
    Map<String, List<Map<String, Object>>> curves = new LinkedHashMap<>();
    for (String a : algorithms) {
      long ta = System.nanoTime();
      runs.put(a, a.equals("grpo") ? GrpoTraining.run(spark, grpo, System.out)
          : PpoTraining.run(spark, ppo, System.out));
      seconds.put(a, (System.nanoTime() - ta) / 1e9);
      curves.put(a, new MetricsLog(work.resolve(a).resolve(MetricsLog.FILE)).read().stream()
          .filter(l -> l.containsKey("reward") || l.containsKey("eval/accuracy")).toList());
    }
    JobStats any = runs.values().iterator().next();

    System.out.println();
    System.out.printf("%-40s %10s", kind.name().toLowerCase(Locale.ROOT) + " (size " + size + "), "
        + grpo.evalPrompts() + " held-out", "SFT");
    runs.keySet().forEach(a -> System.out.printf(" %10s", a.toUpperCase(Locale.ROOT)));
    System.out.println();
    for (String[] row : new String[][] {{"greedy accuracy", "eval_accuracy"}, {"stop rate", "eval_stop_rate"},
        {"greedy reward", "eval_reward"}}) {
      System.out.printf(Locale.ROOT, "%-40s %10.3f", row[0], any.number(row[1] + "_at_start"));
      runs.values().forEach(r -> System.out.printf(Locale.ROOT, " %10.3f", r.number(row[1])));
      System.out.println();
    }
    // the last logged round's figures, as TRL's logs name them
    for (String[] row : new String[][] {{"KL to SFT per token (last round)", "kl"},
        {"answer tokens (last round)", "completion_length"}, {"sampled reward (last round)", "reward"}}) {
      System.out.printf(Locale.ROOT, "%-40s %10s", row[0], "");
      curves.values().forEach(c -> System.out.printf(Locale.ROOT, " %10.3f", lastLogged(c, row[1])));
      System.out.println();
    }
    for (String[] row : new String[][] {{"sampling tokens/s (answers, KV cache)", "sampling_tokens_per_second"},
        {"sampling tokens/s (prompts' prefill too)", "sampling_tokens_per_second_with_prompts"},
        {"update tokens/s (rows x inner steps)", "update_tokens_per_second"}, {"seconds sampling", "seconds_sampling"},
        {"seconds rewarding", "seconds_rewards"}, {"seconds updating", "seconds_update"},
        {"seconds evaluating", "seconds_eval"}}) {
      System.out.printf(Locale.ROOT, "%-40s %10s", row[0], "");
      runs.values().forEach(r -> System.out.printf(Locale.ROOT, " %10.0f", r.number(row[1])));
      System.out.println();
    }
    System.out.printf(Locale.ROOT, "%-40s %10s", "seconds", "");
    seconds.values().forEach(v -> System.out.printf(Locale.ROOT, " %10.0f", v));
    System.out.println();
    JobStats json = new JobStats()
        .put("benchmark", "grpo")
        .put("task", kind.name().toLowerCase(Locale.ROOT))
        .put("task_size", size)
        .put("worked_tasks_for_sft", worked)
        .put("pretrained", Checkpoint.resolve(pretrained, System.err).toString())
        .put("runs", runs.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey,
            e -> e.getValue().asMap(), (x, y) -> x, LinkedHashMap::new)))
        .put("run_seconds", seconds)
        .put("curves", curves)
        .put("seconds", (System.nanoTime() - t0) / 1e9)
        .put("command", "llmforge bench grpo --pretrained " + pretrained + " --algorithms "
            + String.join(",", algorithms) + options.overrides.stream().map(o -> " --set " + o)
            .collect(java.util.stream.Collectors.joining()));
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, json.toJson());
    System.out.println("bench grpo: wrote " + out);
    return 0;
  }

  /** {@code key} in the last line of {@code curve} that has it; NaN when none does. */
  static double lastLogged(List<Map<String, Object>> curve, String key) {
    for (int i = curve.size() - 1; i >= 0; i--) {
      if (curve.get(i).get(key) instanceof Number n) {
        return n.doubleValue();
      }
    }
    return Double.NaN;
  }
}

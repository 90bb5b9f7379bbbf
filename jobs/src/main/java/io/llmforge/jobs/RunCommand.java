package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code llmforge run}: the whole flow (or {@code run.steps} of it), each step reading the one before. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run the chained flow (run.steps) under run.workdir, starting from clean.input.")
final class RunCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    List<String> sections = new ArrayList<>(List.of("run"));
    sections.addAll(Flow.sections());
    ConfigReader base = JobConfig.load("run", sections, options.confFiles, options.overrides);
    List<String> steps = Flow.validate(base, "run.steps");
    Path workdir = Path.of(base.requiredString("run.workdir")).toAbsolutePath();
    List<String> overrides = new ArrayList<>(Flow.chain(steps, workdir));
    overrides.addAll(options.overrides);
    if (options.overwrite) {
      steps.forEach(s -> overrides.add(s + ".overwrite=true"));
    }
    ConfigReader config = JobConfig.load("run", sections, options.confFiles, overrides);
    SparkSession spark = Spark.session(config, "llmforge-run");
    Flow.run(spark, config, steps);
    System.out.println("run: done. Outputs under " + workdir);
    return 0;
  }
}

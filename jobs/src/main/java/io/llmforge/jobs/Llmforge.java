package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code llmforge} command line. Each subcommand is one job (also runnable through spark-submit with its
 * own main class), plus {@code demo} and {@code bench}.
 */
@Command(name = "llmforge", mixinStandardHelpOptions = true, version = "llmforge 0.1.0",
    description = "Raw web crawl to a trained, aligned language model, on Spark and Deeplearning4j.",
    subcommands = {CleanCommand.class, DedupCommand.class, ClassifyTrainCommand.class, ClassifyCommand.class,
        RephraseCommand.class, TokenizerTrainCommand.class, TokenizeCommand.class,
        PretrainCommand.class, SftPrepareCommand.class, SftCommand.class, SftMergeCommand.class,
        PrefPrepareCommand.class, RmTrainCommand.class, RmRetrainCommand.class, RmScoreCommand.class, DpoCommand.class,
        GenerateCommand.class, ChatCommand.class, ServeCommand.class, RunCommand.class, DemoCommand.class, BenchCommand.class})
public final class Llmforge {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /**
   * A spark-submit main class's arguments as {@code llmforge <job> <args>}: the exit code, as {@link #run}.
   */
  static int runJob(String job, String[] args) {
    String[] withJob = new String[args.length + 1];
    withJob[0] = job;
    System.arraycopy(args, 0, withJob, 1, args.length);
    return run(withJob);
  }

  /** Runs a command line and returns its exit code: 0 done, 2 bad configuration or usage, 1 job failure. */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Llmforge());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof ConfigError) {
        commandLine.getErr().println("configuration error: " + e.getMessage());
        return 2;
      }
      commandLine.getErr().println("llmforge " + String.join(" ", parseResult.originalArgs()) + " failed:");
      e.printStackTrace(commandLine.getErr());
      return 1;
    });
    return cli.execute(args);
  }
}

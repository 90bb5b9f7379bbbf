package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigError;
import java.util.Arrays;
import org.apache.logging.log4j.LogManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

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
        KtoCommand.class, GrpoCommand.class, PpoCommand.class, BestOfNCommand.class, JudgeCommand.class,
        GenerateCommand.class, ChatCommand.class, ServeCommand.class,
        ExportCommand.class, RunCommand.class, DemoCommand.class, BenchCommand.class})
public final class Llmforge {
  /** Where conf/log4j2.properties writes what the console leaves out. */
  static final String LOG_FILE_PROPERTY = "llmforge.log.file";
  static final String DEFAULT_LOG_FILE = "work/logs/llmforge.log";

  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "Show Spark's, Hadoop's and ND4J's warnings and a failure's stack trace on the console (they are "
          + "always in work/logs/llmforge.log).")
  boolean verbose;

  public static void main(String[] args) {
    // before anything logs: conf/log4j2.properties reads the console's level once, when logging starts
    if (Arrays.asList(args).contains("--verbose")) {
      System.setProperty("llmforge.console.level", "warn");
    }
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

  /**
   * The spark-submit main of a training job: runs it, stops the Spark session (a barrier stage leaves a non-daemon
   * timer thread behind on a local master, which would keep the JVM alive) and exits with the job's code.
   */
  static void trainingMain(String job, String[] args) {
    int code = runJob(job, args);
    scala.Option<org.apache.spark.sql.SparkSession> session = org.apache.spark.sql.SparkSession.getDefaultSession();
    if (session.isDefined()) {
      session.get().stop();
    }
    System.exit(code);
  }

  /** Runs a command line and returns its exit code: 0 done, 2 bad configuration or usage, 1 job failure. */
  public static int run(String... args) {
    Llmforge top = new Llmforge();
    CommandLine cli = new CommandLine(top);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof ConfigError) {
        commandLine.getErr().println("configuration error: " + e.getMessage());
        return 2;
      }
      String command = "llmforge " + String.join(" ", parseResult.originalArgs());
      LogManager.getLogger("llmforge.trace").error(command + " failed", e);
      commandLine.getErr().println("llmforge " + commandLine.getCommandName() + " failed: " + Failure.oneLine(e));
      if (top.verbose) {
        e.printStackTrace(commandLine.getErr());
      } else {
        commandLine.getErr().println("  (stack trace in " + System.getProperty(LOG_FILE_PROPERTY, DEFAULT_LOG_FILE)
            + "; --verbose prints it here)");
      }
      return 1;
    });
    return cli.execute(args);
  }
}

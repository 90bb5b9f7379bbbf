package io.llmforge.jobs;

import io.llmforge.pipeline.clean.CleanJob;
import io.llmforge.pipeline.clean.CleanSettings;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.demo.DemoCrawl;
import io.llmforge.pipeline.spark.DocumentSchema;
import io.llmforge.pipeline.spark.JobStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llmforge demo}: generates a crawl, then runs every stage of the flow that exists on it, on an embedded
 * {@code local[*]} Spark, printing what each stage kept and dropped.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the whole flow end to end on a generated crawl (no network, no external data).")
final class DemoCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Option(names = "--workdir", paramLabel = "DIR", description = "Where the demo writes (default: work/demo).")
  Path workdir;

  @Override
  public Integer call() throws IOException {
    List<String> overrides = new java.util.ArrayList<>(options.overrides);
    if (workdir != null) {
      overrides.add("demo.workdir=" + workdir.toAbsolutePath());
    }
    ConfigReader config = JobConfig.load("demo", List.of("demo", "clean"), options.confFiles, overrides);
    Path dir = Path.of(config.requiredString("demo.workdir")).toAbsolutePath();
    int pages = config.intIn("demo.pages", 10, 1_000_000);
    long seed = config.longIn("demo.seed", Long.MIN_VALUE, Long.MAX_VALUE);
    CleanSettings clean = CleanSettings.from(config);

    deleteRecursively(dir);
    long t0 = System.nanoTime();
    DemoCrawl.Summary crawl = new DemoCrawl(seed).write(dir.resolve("crawl"), pages);
    System.out.printf("demo: generated %d crawl files under %s in %.1f s%n", crawl.files().size(),
        dir.resolve("crawl"), (System.nanoTime() - t0) / 1e9);

    SparkSession spark = Spark.session(config, "llmforge-demo");
    JobStats stats = CleanJob.run(spark, clean);
    Console.printStats("clean", stats);
    printSamples(spark, clean.output());
    System.out.println();
    System.out.println("demo: done. Outputs under " + dir);
    return 0;
  }

  private static void printSamples(SparkSession spark, String output) {
    List<Row> docs = spark.read().parquet(output + "/" + CleanJob.DOCUMENTS)
        .orderBy(DocumentSchema.DOC_ID).limit(2).collectAsList();
    for (Row row : docs) {
      String text = row.getAs(DocumentSchema.TEXT);
      System.out.println();
      System.out.println("-- sample document " + row.getAs(DocumentSchema.URL));
      System.out.println(text.length() > 600 ? text.substring(0, 600) + " ..." : text);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

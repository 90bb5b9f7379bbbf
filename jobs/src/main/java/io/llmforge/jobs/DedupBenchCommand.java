package io.llmforge.jobs;

import io.llmforge.dedup.DedupBenchmark;
import io.llmforge.dedup.DedupSettings;
import io.llmforge.dedup.NearDuplicateCorpus;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * llmforge's MinHash LSH dedup against Spark MLlib's MinHashLSH in the same run, on corpora of real text with
 * planted near-duplicates, at several sizes: seconds, CPU seconds, and precision/recall of both against exact
 * Jaccard. The dedup settings come from {@code conf/dedup.conf} ({@code --set dedup.bands=...} to change).
 */
@Command(name = "dedup", mixinStandardHelpOptions = true,
    description = "Near-dedup speed and recall vs Spark MLlib MinHashLSH on real text with planted near-duplicates.")
final class DedupBenchCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "../shared/data/text",
      description = "The shared text folder: wiki_demo.txt, c4_demo.jsonl, europarl, sotu (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "work/bench/dedup.json",
      description = "Where to write the JSON result (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--work", paramLabel = "DIR", defaultValue = "work/bench/dedup",
      description = "Where generated corpora are kept as Parquet and reused (default: ${DEFAULT-VALUE}).")
  Path work;

  @Option(names = "--sizes", split = ",", defaultValue = "10000,100000,1000000",
      description = "Corpus sizes in documents (default: ${DEFAULT-VALUE}).")
  List<Integer> sizes;

  @Option(names = "--seed", defaultValue = "1", description = "Corpus seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--duplicates", defaultValue = "0.2",
      description = "Share of planted near-duplicates (default: ${DEFAULT-VALUE}).")
  double duplicates;

  @Option(names = "--mllib-tables", defaultValue = "5",
      description = "MinHashLSH numHashTables (default: ${DEFAULT-VALUE}).")
  int mllibTables;

  @Option(names = "--mllib-max-docs", defaultValue = "1000000",
      description = "Skip MLlib above this corpus size (default: ${DEFAULT-VALUE}).")
  long mllibMaxDocs;

  @Option(names = "--mllib-timeout", defaultValue = "1800",
      description = "Cancel an MLlib run after this many seconds; the ratio is then a lower bound "
          + "(default: ${DEFAULT-VALUE}).")
  double mllibTimeout;

  @Override
  public Integer call() {
    if (!Files.isDirectory(data)) {
      System.err.println("bench dedup: " + data + " not found (it is in ../shared/data/text; pass --data DIR)");
      return 2;
    }
    List<String> overrides = new ArrayList<>(options.overrides);
    overrides.add("dedup.input=[bench]");
    overrides.add("dedup.output=bench");
    ConfigReader config = JobConfig.load("dedup", List.of("dedup"), options.confFiles, overrides);
    DedupSettings settings = DedupSettings.from(config);
    NearDuplicateCorpus.Spec spec = new NearDuplicateCorpus.Spec(seed, 40, 200, duplicates, 0.5, 1.0,
        settings.shingleSize());
    SparkSession spark = Spark.session(config, "llmforge-bench-dedup");
    DedupBenchmark.Options benchOptions = new DedupBenchmark.Options(sizes, data, work, spec, mllibTables,
        mllibMaxDocs, mllibTimeout, spark.sparkContext().defaultParallelism() * 2);

    System.out.printf("bench dedup: %s bands x rows, threshold %.2f, verify %s; MLlib MinHashLSH %d hash tables; "
        + "%d cores%n", settings.bands(), settings.threshold(), settings.verify().name().toLowerCase(), mllibTables,
        Runtime.getRuntime().availableProcessors());
    DedupBenchmark.SignatureThroughput throughput = DedupBenchmark.signatureThroughput(data, spec, 20_000,
        settings.bands().numHashes());
    List<DedupBenchmark.Result> results = DedupBenchmark.run(spark, settings, benchOptions, r -> printRow(r, true));
    System.out.println();
    printHeader();
    results.forEach(r -> printRow(r, false));
    int cores = spark.sparkContext().defaultParallelism();
    System.out.printf("%nsignature stage, one core, %,d documents (%,d words): tokenizing alone %,.0f docs/s, "
        + "signatures %,.0f docs/s (%.2f of tokenizing)%n", throughput.documents(), throughput.words(),
        throughput.tokenizeDocsPerSecond(), throughput.signatureDocsPerSecond(), throughput.ratio());
    for (DedupBenchmark.Result r : results) {
      System.out.printf("signature stage in Spark, %,d documents: %,.0f docs/s per core (%d cores)%n", r.documents(),
          r.signatureDocsPerCoreSecond(cores), cores);
    }

    Map<String, Object> settingsJson = new LinkedHashMap<>();
    settingsJson.put("shingle_size", settings.shingleSize());
    settingsJson.put("bands", settings.bands().bands());
    settingsJson.put("rows", settings.bands().rows());
    settingsJson.put("threshold", settings.threshold());
    settingsJson.put("verify", settings.verify().name().toLowerCase());
    settingsJson.put("max_bucket_size", settings.maxBucketSize());
    settingsJson.put("mllib_hash_tables", mllibTables);
    JobStats json = new JobStats()
        .put("benchmark", "dedup vs Spark MLlib MinHashLSH")
        .put("data", data.toAbsolutePath().toString())
        .put("corpus", spec.toString())
        .put("settings", settingsJson)
        .put("spark_master", spark.sparkContext().master())
        .put("cpus", Runtime.getRuntime().availableProcessors())
        .put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20)
        .put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
        .put("signature_throughput", throughput.asMap())
        .put("results", results.stream().map(r -> {
          Map<String, Object> m = r.asMap();
          m.put("signature_docs_per_core_second_in_spark", Math.round(r.signatureDocsPerCoreSecond(cores)));
          return m;
        }).toList());
    DedupBenchmark.writeJson(out, json.toJson());
    System.out.println("wrote " + out);
    return 0;
  }

  private static void printHeader() {
    System.out.printf("%9s %8s | %9s %9s %7s %7s | %9s %9s %7s %7s | %7s %7s%n", "documents", "ref.pairs",
        "ours s", "ours cpu", "recall", "prec.", "MLlib s", "MLlib cpu", "recall", "prec.", "x wall", "x cpu");
  }

  private static void printRow(DedupBenchmark.Result r, boolean withHeader) {
    if (withHeader) {
      printHeader();
    }
    String mllibRecall = r.mllibMetrics() == null ? "-" : String.format("%.4f", r.mllibMetrics().recall());
    String mllibPrecision = r.mllibMetrics() == null ? "-" : String.format("%.4f", r.mllibMetrics().precision());
    System.out.printf("%9d %8d | %9.1f %9.1f %7.4f %7.4f | %9.1f %9.1f %7s %7s | %7.2f %7.2f  %s%n",
        r.documents(), r.referencePairs(), r.ours().seconds(), r.ours().cpuSeconds(), r.oursMetrics().recall(),
        r.oursMetrics().precision(), r.mllib().seconds(), r.mllib().cpuSeconds(), mllibRecall, mllibPrecision,
        r.speedup(), r.cpuSpeedup(), r.mllibStatus());
  }
}

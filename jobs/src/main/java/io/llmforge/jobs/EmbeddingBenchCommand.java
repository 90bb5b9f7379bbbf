package io.llmforge.jobs;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.bench.EmbeddingLookupBenchmark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The DL4J M2.1 embedding pitfall, measured: gather's backward against the one-hot matmul GptModel uses. */
@Command(name = "embedding", mixinStandardHelpOptions = true,
    description = "DL4J embedding backward: gather vs oneHot x table (speed and gradient difference).")
final class EmbeddingBenchCommand implements Callable<Integer> {
  @Option(names = "--vocab", split = ",", defaultValue = "65",
      description = "Vocabulary sizes (default: ${DEFAULT-VALUE}, tinyshakespeare's characters).")
  int[] vocabs;

  @Option(names = "--width", defaultValue = "128", description = "Embedding width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(names = "--tokens", defaultValue = "768",
      description = "Tokens per step (default: ${DEFAULT-VALUE} = nanoGPT's 12 x 64).")
  int tokens;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "work/bench/embedding.json",
      description = "Where to write the JSON result (default: ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws IOException {
    List<EmbeddingLookupBenchmark.Result> results = EmbeddingLookupBenchmark.run(vocabs, width, tokens, 20);
    System.out.printf("%n| vocab | width | tokens | gather fwd+bwd ms | oneHot x table ms | slowdown | max |grad diff| |%n");
    System.out.printf("|---|---|---|---|---|---|---|%n");
    for (EmbeddingLookupBenchmark.Result r : results) {
      System.out.printf("| %d | %d | %d | %.1f | %.2f | %.0fx | %.3g |%n", r.vocab(), r.width(), r.tokens(),
          r.gatherMs(), r.oneHotMs(), r.slowdown(), r.maxAbsDiff());
    }
    JobStats json = new JobStats().put("benchmark", "DL4J 1.0.0-M2.1 embedding backward: gather vs oneHot x table")
        .put("results", results.stream().map(r -> (Object) Map.of("vocab", r.vocab(), "width", r.width(),
            "tokens", r.tokens(), "gather_ms", r.gatherMs(), "one_hot_ms", r.oneHotMs(), "slowdown", r.slowdown(),
            "max_abs_gradient_diff", r.maxAbsDiff())).toList());
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, json.toJson());
    System.out.println("wrote " + out);
    return 0;
  }
}

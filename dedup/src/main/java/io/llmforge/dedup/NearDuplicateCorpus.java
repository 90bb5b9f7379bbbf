package io.llmforge.dedup;

import io.llmforge.pipeline.clean.WordCount;
import io.llmforge.pipeline.document.Document;
import io.llmforge.pipeline.text.ContentHash;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.LongStream;

/**
 * A deterministic corpus with planted near-duplicates, for testing and measuring dedup: documents are chunks of
 * real text, and a share of them are edited copies of earlier documents whose shingle-set Jaccard similarity
 * to their original is a chosen target.
 *
 * <ul>
 *   <li>Base documents are consecutive words of the source texts ("natural chunks"), each chunk used once.
 *       When more documents are asked for than there are chunks, the rest are made of random sentences of
 *       the same texts ("sentence mixes"), still real text, unrelated to each other.</li>
 *   <li>A planted document copies an earlier document (which may itself be a copy, giving chains) and applies
 *       random word substitutions, insertions and deletions until the exact Jaccard similarity of the two
 *       shingle sets (the {@link ShingleSets} chain) first drops to the target (landing at most 0.03 below it
 *       where single-word steps allow; very short documents take coarser steps), drawn uniformly from
 *       [minSimilarity, maxSimilarity]. A target above 0.97 changes only letter case, which
 *       the lower-casing chain ignores, so those copies have similarity 1.</li>
 * </ul>
 * Document {@code i} depends only on the seed and {@code i}, so any slice can be generated independently (in
 * parallel, on executors) and the same corpus comes back on every run.
 */
public final class NearDuplicateCorpus {
  /** Changes whenever the same seed would generate different text, so cached corpora are not reused. */
  public static final int GENERATOR_VERSION = 2;
  private static final Instant EPOCH = Instant.parse("2020-01-01T00:00:00Z");
  private static final Map<String, NearDuplicateCorpus> CACHE = new ConcurrentHashMap<>();
  /** Targets this close to 1 get copies that differ only in letter case (similarity exactly 1). */
  private static final double COSMETIC_ABOVE = 0.97;
  /** How far below its target a copy's similarity may land; edits are retried to stay within it. */
  private static final double TARGET_SLACK = 0.03;

  private final Spec spec;
  private final List<String> chunks;
  private final List<String> chunkSources;
  private final String[] sentences;
  private final String[] vocabulary;
  private final long stride;
  private final ShingleSets shingles;

  /**
   * @param duplicateFraction share of documents that are planted copies
   * @param shingleSize       of the similarity that targets refer to (use the dedup job's)
   */
  public record Spec(long seed, int minWords, int maxWords, double duplicateFraction, double minSimilarity,
      double maxSimilarity, int shingleSize) implements Serializable {

    public Spec {
      if (minWords < 1 || maxWords < minWords) {
        throw new IllegalArgumentException("need 1 <= minWords <= maxWords");
      }
      if (!(duplicateFraction >= 0 && duplicateFraction < 1)) {
        throw new IllegalArgumentException("duplicateFraction must be in [0, 1)");
      }
      if (!(minSimilarity > 0 && minSimilarity <= maxSimilarity && maxSimilarity <= 1)) {
        throw new IllegalArgumentException("need 0 < minSimilarity <= maxSimilarity <= 1");
      }
    }

    /** Documents of 40-200 words, 20% planted copies with similarity uniform in [0.5, 1], 5-word shingles. */
    public static Spec defaults(long seed) {
      return new Spec(seed, 40, 200, 0.2, 0.5, 1.0, 5);
    }
  }

  /** How a planted document was made: from {@code base}, aiming at {@code target}, reaching {@code achieved}. */
  public record Planted(long base, double target, double achieved) {}

  private NearDuplicateCorpus(List<TextCorpora.Text> texts, Spec spec) {
    this.spec = spec;
    this.shingles = new ShingleSets(spec.shingleSize());
    this.chunks = new ArrayList<>();
    this.chunkSources = new ArrayList<>();
    List<String> sentenceList = new ArrayList<>();
    List<String> words = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(spec.seed());
    for (TextCorpora.Text text : texts) {
      String[] tokens = text.text().trim().split("\\s+");
      for (int start = 0; start + spec.minWords() <= tokens.length; ) {
        int length = Math.min(tokens.length - start, random.nextInt(spec.minWords(), spec.maxWords() + 1));
        String chunk = String.join(" ", Arrays.copyOfRange(tokens, start, start + length));
        chunks.add(chunk);
        chunkSources.add(text.source());
        for (String sentence : chunk.split("(?<=[.!?])\\s+")) {
          if (sentence.indexOf(' ') > 0) {
            sentenceList.add(sentence);
          }
        }
        start += length;
      }
      for (int i = 0; i < tokens.length; i += 17) {
        words.add(tokens[i]);
      }
    }
    if (chunks.isEmpty()) {
      throw new IllegalArgumentException("no text of at least " + spec.minWords() + " words");
    }
    this.sentences = sentenceList.toArray(String[]::new);
    this.vocabulary = words.toArray(String[]::new);
    this.stride = coprimeStride(chunks.size(), spec.seed());
  }

  /** A corpus over {@code texts}. Building it splits all texts once; reuse the instance. */
  public static NearDuplicateCorpus of(List<TextCorpora.Text> texts, Spec spec) {
    return new NearDuplicateCorpus(texts, spec);
  }

  /** The corpus over the real texts in {@code textDir}, built once per JVM (executors share it). */
  public static NearDuplicateCorpus cached(Path textDir, Spec spec) {
    return CACHE.computeIfAbsent(textDir.toAbsolutePath() + "|" + spec, k -> of(TextCorpora.load(textDir), spec));
  }

  public Spec spec() {
    return spec;
  }

  /** How many base documents are natural chunks; later base documents are sentence mixes. */
  public int naturalChunks() {
    return chunks.size();
  }

  /** Documents {@code 0 .. n-1}, generated in parallel. */
  public List<Document> documents(long n) {
    return LongStream.range(0, n).parallel().mapToObj(this::document).toList();
  }

  /** Document {@code i}. */
  public Document document(long i) {
    String source = sourceOf(i);
    String text = text(i);
    String url = "https://" + source + ".corpus.llmforge.test/" + i;
    return new Document(docId(i), url, source + ".corpus.llmforge.test", EPOCH.plusSeconds(60 * i), source, null,
        0f, text, ContentHash.contentSha1(text), text.length(), WordCount.of(text), Map.of());
  }

  /** The doc_id of document {@code i}: zero-padded, so ids sort like indexes. */
  public static String docId(long i) {
    return String.format(Locale.ROOT, "doc-%010d", i);
  }

  /** The index in a doc_id made by {@link #docId}. */
  public static long indexOf(String docId) {
    return Long.parseLong(docId.substring(4));
  }

  /** How document {@code i} was planted, or empty for a base document. */
  public Optional<Planted> planted(long i) {
    SplittableRandom random = randomFor(i);
    if (i == 0 || random.nextDouble() >= spec.duplicateFraction()) {
      return Optional.empty();
    }
    long base = random.nextLong(i);
    double target = spec.minSimilarity() + random.nextDouble() * (spec.maxSimilarity() - spec.minSimilarity());
    return Optional.of(new Planted(base, target, Jaccard.exact(shingles.of(text(base)), shingles.of(text(i)))));
  }

  /** The text of document {@code i}. */
  public String text(long i) {
    SplittableRandom random = randomFor(i);
    if (i > 0 && random.nextDouble() < spec.duplicateFraction()) {
      long base = random.nextLong(i);
      double target = spec.minSimilarity() + random.nextDouble() * (spec.maxSimilarity() - spec.minSimilarity());
      return edit(text(base), target, random);
    }
    if (i < chunks.size()) {
      return chunks.get(chunkIndex(i));
    }
    return sentenceMix(random);
  }

  private String sourceOf(long i) {
    // A copy keeps its original's source, as a re-posted article would.
    long root = i;
    for (Optional<Long> base = baseOf(root); base.isPresent(); base = baseOf(root)) {
      root = base.get();
    }
    return root < chunks.size() ? chunkSources.get(chunkIndex(root)) : "sentence-mix";
  }

  /** The document that document {@code i} is a planted copy of, or empty for a base document. */
  public Optional<Long> baseOf(long i) {
    SplittableRandom random = randomFor(i);
    return i > 0 && random.nextDouble() < spec.duplicateFraction() ? Optional.of(random.nextLong(i)) : Optional.empty();
  }

  private int chunkIndex(long i) {
    return (int) Math.floorMod(i * stride + spec.seed(), chunks.size());
  }

  private String sentenceMix(SplittableRandom random) {
    int target = random.nextInt(spec.minWords(), spec.maxWords() + 1);
    StringBuilder text = new StringBuilder();
    int words = 0;
    while (words < target) {
      String sentence = sentences[random.nextInt(sentences.length)];
      if (text.length() > 0) {
        text.append(' ');
      }
      text.append(sentence);
      words += WordCount.of(sentence);
    }
    return text.toString();
  }

  /** Random edits until the shingle-set similarity to {@code original} first drops to {@code target}. */
  private String edit(String original, double target, SplittableRandom random) {
    List<String> words = new ArrayList<>(Arrays.asList(original.split(" ")));
    if (target > COSMETIC_ABOVE || words.size() < 2) {
      for (int k = 0; k < 3; k++) {
        int at = random.nextInt(words.size());
        words.set(at, toggleCase(words.get(at)));
      }
      return String.join(" ", words);
    }
    long[] originalSet = shingles.of(original);
    double similarity = 1.0;
    for (int edits = 0; similarity > target && edits < 4 * words.size(); edits++) {
      // An edit in the middle changes shingleSize shingles, near an end fewer: when a random edit would overshoot
      // the target by more than the slack, try others, more and more often near the ends.
      List<String> fallback = null;
      double fallbackSimilarity = -1;
      boolean accepted = false;
      for (int attempt = 0; attempt < 10 && !accepted; attempt++) {
        List<String> candidate = new ArrayList<>(words);
        applyEdit(candidate, random, attempt >= 3);
        double s = Jaccard.exact(originalSet, shingles.of(String.join(" ", candidate)));
        if (s >= target - TARGET_SLACK) {
          words = candidate;
          similarity = s;
          accepted = true;
        } else if (s > fallbackSimilarity) {
          fallback = candidate;
          fallbackSimilarity = s;
        }
      }
      if (!accepted) {
        words = fallback;
        similarity = fallbackSimilarity;
      }
    }
    return String.join(" ", words);
  }

  /** One random word substitution, insertion or deletion; {@code nearEnd} puts it within two words of an end. */
  private void applyEdit(List<String> words, SplittableRandom random, boolean nearEnd) {
    int at = random.nextInt(words.size());
    if (nearEnd) {
      int offset = random.nextInt(Math.min(2, words.size()));
      at = random.nextBoolean() ? offset : words.size() - 1 - offset;
    }
    String word = vocabulary[random.nextInt(vocabulary.length)];
    int kind = random.nextInt(3);
    if (kind == 0) {
      words.set(at, word);
    } else if (kind == 1) {
      words.add(at, word);
    } else if (words.size() > 1) {
      words.remove(at);
    }
  }

  private static String toggleCase(String word) {
    String upper = word.toUpperCase(Locale.ROOT);
    return upper.equals(word) ? word.toLowerCase(Locale.ROOT) : upper;
  }

  private SplittableRandom randomFor(long i) {
    return new SplittableRandom(Hash64.fmix64(spec.seed() * 0x9E3779B97F4A7C15L + i));
  }

  private static long coprimeStride(int n, long seed) {
    long stride = Math.floorMod((long) (n * 0.6180339887) + seed, Math.max(1, n)) | 1;
    while (gcd(stride, n) != 1) {
      stride += 2;
    }
    return stride;
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }
}

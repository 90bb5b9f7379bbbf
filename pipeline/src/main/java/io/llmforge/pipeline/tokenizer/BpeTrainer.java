package io.llmforge.pipeline.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Learns byte-level BPE merges from pre-token counts (the output of a Spark word count): the classic algorithm
 * with incremental pair counts. Each distinct pre-token is a word with a count; every step merges the most
 * frequent adjacent pair and updates only the words that contain it, found through a per-pair index, so a step
 * costs the size of the affected words, not of the corpus.
 *
 * <p>Ids: the special tokens first (0..5), then the 256 bytes, then one id per merge in the order learned.
 * Ties in count go to the pair with the smaller ids, so the result depends only on the counts, never on the
 * order they arrive in.
 */
public final class BpeTrainer {
  /** What training produced, besides the tokenizer. */
  public record Result(ByteLevelBpe tokenizer, int merges, boolean stoppedByMinFrequency, long lastMergeCount) {}

  private final PreTokenizer.Kind kind;
  private final List<String> specials;
  private final int vocabSize;
  private final long minFrequency;

  /**
   * @param vocabSize    total ids wanted, specials and the 256 bytes included
   * @param minFrequency a pair seen fewer times than this is never merged (training may stop early)
   */
  public BpeTrainer(PreTokenizer.Kind kind, List<String> specials, int vocabSize, long minFrequency) {
    if (vocabSize < specials.size() + 256) {
      throw new IllegalArgumentException("vocab size " + vocabSize + " is below the " + (specials.size() + 256)
          + " ids that the special tokens and bytes take");
    }
    this.kind = kind;
    this.specials = List.copyOf(specials);
    this.vocabSize = vocabSize;
    this.minFrequency = Math.max(1, minFrequency);
  }

  /** Trains on raw text (tests and benchmarks); jobs count pre-tokens in Spark and call {@link #train(Map)}. */
  public Result trainOnText(Iterable<String> texts) {
    PreTokenizer pre = new PreTokenizer(kind);
    Map<String, Long> counts = new HashMap<>();
    for (String text : texts) {
      pre.split(text, (s, e) -> counts.merge(text.substring(s, e), 1L, Long::sum));
    }
    return train(counts);
  }

  /** Learns merges from {@code pre-token -> occurrences}. */
  public Result train(Map<String, Long> preTokenCounts) {
    int first = specials.size();
    int byteBase = first;
    int mergeBase = first + 256;
    int wanted = vocabSize - mergeBase;

    // Words in a canonical order, so that ids and ties never depend on the map's iteration order.
    List<Map.Entry<String, Long>> entries = new ArrayList<>(preTokenCounts.entrySet());
    entries.removeIf(e -> e.getValue() == null || e.getValue() <= 0 || e.getKey().isEmpty());
    entries.sort(Map.Entry.comparingByKey());
    int[][] words = new int[entries.size()][];
    long[] counts = new long[entries.size()];
    for (int w = 0; w < words.length; w++) {
      byte[] bytes = entries.get(w).getKey().getBytes(StandardCharsets.UTF_8);
      words[w] = new int[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        words[w][i] = byteBase + (bytes[i] & 0xFF);
      }
      counts[w] = entries.get(w).getValue();
    }

    Map<Long, Pair> pairs = new HashMap<>();
    for (int w = 0; w < words.length; w++) {
      int[] word = words[w];
      for (int i = 0; i + 1 < word.length; i++) {
        Pair p = pairs.computeIfAbsent(PairRanks.pack(word[i], word[i + 1]), k -> new Pair());
        p.count += counts[w];
        p.addWord(w);
      }
    }
    PriorityQueue<Candidate> queue = new PriorityQueue<>();
    pairs.forEach((key, p) -> queue.add(new Candidate(p.count, key)));

    int[] mergeLeft = new int[wanted];
    int[] mergeRight = new int[wanted];
    int[] visited = new int[words.length];
    Arrays.fill(visited, -1);
    int merges = 0;
    long lastCount = 0;
    boolean stoppedByFrequency = false;
    while (merges < wanted && !queue.isEmpty()) {
      Candidate top = queue.poll();
      Pair pair = pairs.get(top.key);
      long current = pair == null ? 0 : pair.count;
      if (current != top.count) {
        if (current > 0 && current < top.count) {
          queue.add(new Candidate(current, top.key)); // went down since pushed; an increase was pushed already
        }
        continue;
      }
      if (current < minFrequency) {
        stoppedByFrequency = true;
        break;
      }
      int left = (int) (top.key >>> 32);
      int right = (int) (long) top.key;
      int merged = mergeBase + merges;
      mergeLeft[merges] = left;
      mergeRight[merges] = right;
      lastCount = current;
      Map<Long, Long> delta = new HashMap<>();
      for (int k = 0; k < pair.wordCount; k++) {
        int w = pair.words[k];
        if (visited[w] == merges) {
          continue;
        }
        visited[w] = merges;
        int[] word = words[w];
        int[] after = mergeWord(word, left, right, merged);
        if (after == word) {
          continue; // the index is append-only: this word lost the pair in an earlier merge
        }
        long c = counts[w];
        for (int i = 0; i + 1 < word.length; i++) {
          delta.merge(PairRanks.pack(word[i], word[i + 1]), -c, Long::sum);
        }
        for (int i = 0; i + 1 < after.length; i++) {
          long key = PairRanks.pack(after[i], after[i + 1]);
          delta.merge(key, c, Long::sum);
          if (after[i] == merged || after[i + 1] == merged) {
            pairs.computeIfAbsent(key, x -> new Pair()).addWord(w);
          }
        }
        words[w] = after;
      }
      for (Map.Entry<Long, Long> d : delta.entrySet()) {
        if (d.getValue() == 0) {
          continue;
        }
        Pair p = pairs.computeIfAbsent(d.getKey(), x -> new Pair());
        p.count += d.getValue();
        if (p.count <= 0) {
          pairs.remove(d.getKey());
        } else if (d.getValue() > 0) {
          queue.add(new Candidate(p.count, d.getKey()));
        }
      }
      merges++;
    }

    String[] spellings = new String[mergeBase + merges];
    Map<String, Integer> specialIds = new LinkedHashMap<>();
    for (int i = 0; i < first; i++) {
      spellings[i] = specials.get(i);
      specialIds.put(specials.get(i), i);
    }
    for (int b = 0; b < 256; b++) {
      spellings[byteBase + b] = String.valueOf(ByteLevelAlphabet.charOf(b));
    }
    for (int r = 0; r < merges; r++) {
      spellings[mergeBase + r] = spellings[mergeLeft[r]] + spellings[mergeRight[r]];
    }
    ByteLevelBpe tokenizer = new ByteLevelBpe(kind, spellings, Arrays.copyOf(mergeLeft, merges),
        Arrays.copyOf(mergeRight, merges), specialIds);
    return new Result(tokenizer, merges, stoppedByFrequency, lastCount);
  }

  /** The word with every non-overlapping (left, right) replaced by {@code merged}, left to right; same array if none. */
  static int[] mergeWord(int[] word, int left, int right, int merged) {
    int[] out = null;
    int w = 0;
    for (int i = 0; i < word.length; i++) {
      if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
        if (out == null) {
          out = new int[word.length - 1];
          System.arraycopy(word, 0, out, 0, i);
          w = i;
        }
        out[w++] = merged;
        i++;
      } else if (out != null) {
        out[w++] = word[i];
      }
    }
    return out == null ? word : Arrays.copyOf(out, w);
  }

  /** A pair's total count and the words it occurs in (append-only; may hold words that lost it since). */
  private static final class Pair {
    long count;
    int[] words = new int[2];
    int wordCount;

    void addWord(int w) {
      if (wordCount > 0 && words[wordCount - 1] == w) {
        return;
      }
      if (wordCount == words.length) {
        words = Arrays.copyOf(words, wordCount * 2);
      }
      words[wordCount++] = w;
    }
  }

  /** A heap entry: most frequent first, then smaller left id, then smaller right id. */
  private record Candidate(long count, long key) implements Comparable<Candidate> {
    @Override
    public int compareTo(Candidate o) {
      if (count != o.count) {
        return Long.compare(o.count, count);
      }
      return Long.compare(key, o.key); // ids are non-negative ints, so the packed order is (left, right)
    }
  }
}

package io.llmforge.pipeline.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A byte-level BPE tokenizer (GPT-2 family): text is pre-tokenized, each pre-token's UTF-8 bytes start as one
 * token per byte, and merges are applied lowest rank first until none applies. Every byte has a token, so any
 * text encodes and {@code decode(encode(s))} is exactly {@code s} for any string without unpaired surrogates.
 *
 * <p>Special tokens are matched whole only when the caller allows it ({@link #encodeWithSpecials}); in
 * {@link #encode} a literal {@code <|endoftext|>} inside a web page is ordinary text, so documents cannot forge
 * document boundaries. Immutable and thread-safe; each thread keeps its own cache of recently encoded pieces.
 */
public final class ByteLevelBpe {
  /** Pieces longer than this (in bytes) merge with a heap instead of quadratic scans. */
  private static final int LONG_PIECE = 64;
  private static final int CACHE_ENTRIES = 1 << 15;

  private final PreTokenizer preTokenizer;
  private final String[] spellings;
  private final byte[][] tokenBytes;
  private final int[] byteIds = new int[256];
  private final int[] mergeLeft;
  private final int[] mergeRight;
  private final int[] mergeResult;
  private final PairRanks ranks;
  private final Map<String, Integer> specials;
  private final Pattern specialPattern;
  private final ThreadLocal<Map<String, int[]>> cache;
  private volatile String fingerprint;

  /**
   * @param spellings   vocabulary by id in byte-level spelling ({@link ByteLevelAlphabet}); null for unused ids;
   *                    special tokens as their plain text
   * @param mergeLeft   left token id of each merge, by rank
   * @param mergeRight  right token id of each merge, by rank
   * @param specials    special token text to id, in the order they are listed
   */
  public ByteLevelBpe(PreTokenizer.Kind kind, String[] spellings, int[] mergeLeft, int[] mergeRight,
      Map<String, Integer> specials) {
    if (mergeLeft.length != mergeRight.length) {
      throw new IllegalArgumentException("merge arrays differ in length");
    }
    this.preTokenizer = new PreTokenizer(kind);
    this.spellings = spellings.clone();
    this.specials = Collections.unmodifiableMap(new LinkedHashMap<>(specials));
    this.tokenBytes = new byte[spellings.length][];
    Map<String, Integer> idOfSpelling = new HashMap<>();
    Arrays.fill(byteIds, -1);
    for (int id = 0; id < spellings.length; id++) {
      String s = spellings[id];
      if (s == null) {
        continue;
      }
      boolean special = id == specials.getOrDefault(s, -1);
      tokenBytes[id] = special ? s.getBytes(StandardCharsets.UTF_8) : ByteLevelAlphabet.decode(s);
      if (!special) {
        if (idOfSpelling.putIfAbsent(s, id) != null) {
          throw new IllegalArgumentException("token '" + s + "' appears twice in the vocabulary");
        }
        if (tokenBytes[id].length == 1) {
          byteIds[tokenBytes[id][0] & 0xFF] = id;
        }
      }
    }
    for (Map.Entry<String, Integer> e : specials.entrySet()) {
      int id = e.getValue();
      if (id < 0 || id >= spellings.length || !e.getKey().equals(spellings[id])) {
        throw new IllegalArgumentException("special token " + e.getKey() + " has no vocabulary entry at id " + id);
      }
    }
    for (int b = 0; b < 256; b++) {
      if (byteIds[b] < 0) {
        throw new IllegalArgumentException("not a byte-level vocabulary: byte 0x" + Integer.toHexString(b)
            + " has no token");
      }
    }
    this.mergeLeft = mergeLeft.clone();
    this.mergeRight = mergeRight.clone();
    this.mergeResult = new int[mergeLeft.length];
    for (int r = 0; r < mergeLeft.length; r++) {
      String merged = spellings[mergeLeft[r]] + spellings[mergeRight[r]];
      Integer result = idOfSpelling.get(merged);
      if (result == null) {
        throw new IllegalArgumentException("merge " + r + " (" + spellings[mergeLeft[r]] + " + "
            + spellings[mergeRight[r]] + ") makes '" + merged + "', which is not in the vocabulary");
      }
      mergeResult[r] = result;
    }
    this.ranks = new PairRanks(mergeLeft, mergeRight);
    this.specialPattern = specials.isEmpty() ? null : Pattern.compile(specials.keySet().stream()
        .sorted((a, b) -> b.length() - a.length()).map(Pattern::quote).reduce((a, b) -> a + "|" + b).orElseThrow());
    this.cache = ThreadLocal.withInitial(HashMap::new);
  }

  /** Number of ids (the model's embedding rows): the largest id plus one. */
  public int vocabSize() {
    return spellings.length;
  }

  public PreTokenizer.Kind preTokenizerKind() {
    return preTokenizer.kind();
  }

  public int mergeCount() {
    return mergeLeft.length;
  }

  /** The id of a special token; fails if this tokenizer does not have it. */
  public int specialId(String token) {
    Integer id = specials.get(token);
    if (id == null) {
      throw new IllegalArgumentException("tokenizer has no special token " + token + "; it has " + specials.keySet());
    }
    return id;
  }

  public int endOfTextId() {
    return specialId(SpecialTokens.END_OF_TEXT);
  }

  public Map<String, Integer> specials() {
    return specials;
  }

  public boolean isSpecial(int id) {
    return id >= 0 && id < spellings.length && spellings[id] != null && specials.get(spellings[id]) != null
        && specials.get(spellings[id]) == id;
  }

  /** Vocabulary spelling of an id (byte-level characters, or the special token's text). */
  public String spelling(int id) {
    return spellings[id];
  }

  String[] spellings() {
    return spellings.clone();
  }

  int mergeLeft(int rank) {
    return mergeLeft[rank];
  }

  int mergeRight(int rank) {
    return mergeRight[rank];
  }

  /** The raw bytes of one token. */
  public byte[] tokenBytes(int id) {
    return tokenBytes[id].clone();
  }

  /** SHA-256 of this tokenizer's canonical tokenizer.json: equal fingerprints encode identically. */
  public String fingerprint() {
    String f = fingerprint;
    if (f == null) {
      f = Sha256.hex(TokenizerJson.write(this));
      fingerprint = f;
    }
    return f;
  }

  /** Empties the calling thread's cache of encoded pieces (benchmarks use it to measure a cold start). */
  public void clearCache() {
    cache.get().clear();
  }

  /** Encodes text with special-token strings treated as ordinary text. */
  public int[] encode(String text) {
    IntList out = new IntList(Math.max(16, text.length() / 3));
    encodeOrdinary(text, out);
    return out.toArray();
  }

  /** Encodes text, appending to {@code out}; special-token strings are ordinary text. */
  public void encodeOrdinary(String text, IntList out) {
    Map<String, int[]> pieces = cache.get();
    preTokenizer.split(text, (start, end) -> encodePiece(text.substring(start, end), pieces, out));
  }

  /** Encodes text in which every special-token string is that special token (chat templates, prompts). */
  public int[] encodeWithSpecials(String text) {
    IntList out = new IntList(Math.max(16, text.length() / 3));
    if (specialPattern == null) {
      encodeOrdinary(text, out);
      return out.toArray();
    }
    Matcher m = specialPattern.matcher(text);
    int at = 0;
    while (m.find()) {
      encodeOrdinary(text.substring(at, m.start()), out);
      out.add(specials.get(m.group()));
      at = m.end();
    }
    encodeOrdinary(text.substring(at), out);
    return out.toArray();
  }

  public String decode(int[] ids) {
    return new String(decodeBytes(ids), StandardCharsets.UTF_8);
  }

  /** The bytes behind the ids; a prefix of a token sequence may end inside a UTF-8 character. */
  public byte[] decodeBytes(int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
    for (int id : ids) {
      if (id < 0 || id >= tokenBytes.length || tokenBytes[id] == null) {
        throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (size " + vocabSize() + ")");
      }
      out.writeBytes(tokenBytes[id]);
    }
    return out.toByteArray();
  }

  /** Splits text the way {@link #encode} does, each pre-token as its list of token spellings (for inspection). */
  public List<List<String>> explain(String text) {
    List<List<String>> result = new ArrayList<>();
    preTokenizer.split(text, (s, e) -> {
      IntList ids = new IntList();
      encodePiece(text.substring(s, e), new HashMap<>(), ids);
      List<String> spelled = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        spelled.add(spellings[ids.get(i)]);
      }
      result.add(spelled);
    });
    return result;
  }

  private void encodePiece(String piece, Map<String, int[]> pieces, IntList out) {
    int[] cached = pieces.get(piece);
    if (cached != null) {
      out.addAll(cached);
      return;
    }
    byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
    int[] ids = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      ids[i] = byteIds[bytes[i] & 0xFF];
    }
    int n = bytes.length <= LONG_PIECE ? mergeShort(ids) : mergeLong(ids);
    int[] result = n == ids.length ? ids : Arrays.copyOf(ids, n);
    if (pieces.size() >= CACHE_ENTRIES) {
      pieces.clear(); // crude but bounded; frequent pieces are back within a few hundred words
    }
    pieces.put(piece, result);
    out.addAll(result);
  }

  /** Repeatedly merges the leftmost lowest-rank pair; quadratic, fastest for short pieces. Returns the length. */
  int mergeShort(int[] ids) {
    int n = ids.length;
    if (n < 2) {
      return n;
    }
    int[] pairRank = new int[n - 1];
    for (int i = 0; i < n - 1; i++) {
      pairRank[i] = ranks.rank(ids[i], ids[i + 1]);
    }
    while (n > 1) {
      int best = Integer.MAX_VALUE;
      int at = -1;
      for (int i = 0; i < n - 1; i++) {
        if (pairRank[i] < best) {
          best = pairRank[i];
          at = i;
        }
      }
      if (at < 0) {
        break;
      }
      ids[at] = mergeResult[best];
      System.arraycopy(ids, at + 2, ids, at + 1, n - at - 2);
      System.arraycopy(pairRank, at + 1, pairRank, at, n - at - 2);
      n--;
      if (at > 0) {
        pairRank[at - 1] = ranks.rank(ids[at - 1], ids[at]);
      }
      if (at < n - 1) {
        pairRank[at] = ranks.rank(ids[at], ids[at + 1]);
      }
    }
    return n;
  }

  /**
   * The same merges in O(n log n): a linked list of tokens and a heap of (rank, position), stale entries
   * skipped when popped. Equal ranks pop leftmost first, so the result equals {@link #mergeShort}.
   */
  int mergeLong(int[] ids) {
    int n = ids.length;
    int[] next = new int[n];
    int[] prev = new int[n];
    boolean[] dead = new boolean[n];
    LongHeap heap = new LongHeap(n);
    for (int i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
      if (i + 1 < n) {
        push(heap, ranks.rank(ids[i], ids[i + 1]), i);
      }
    }
    while (!heap.isEmpty()) {
      long top = heap.pop();
      int rank = (int) (top >>> 32);
      int at = (int) top;
      int right = next[at];
      if (dead[at] || right < 0 || ranks.rank(ids[at], ids[right]) != rank) {
        continue;
      }
      ids[at] = mergeResult[rank];
      dead[right] = true;
      next[at] = next[right];
      if (next[at] >= 0) {
        prev[next[at]] = at;
        push(heap, ranks.rank(ids[at], ids[next[at]]), at);
      }
      if (prev[at] >= 0) {
        push(heap, ranks.rank(ids[prev[at]], ids[at]), prev[at]);
      }
    }
    int w = 0;
    for (int i = 0; i >= 0; i = next[i]) {
      ids[w++] = ids[i];
    }
    return w;
  }

  private static void push(LongHeap heap, int rank, int position) {
    if (rank != Integer.MAX_VALUE) {
      heap.push(((long) rank << 32) | position);
    }
  }

  /** A binary min-heap of longs. */
  private static final class LongHeap {
    private long[] items;
    private int size;

    LongHeap(int capacity) {
      items = new long[Math.max(4, capacity)];
    }

    boolean isEmpty() {
      return size == 0;
    }

    void push(long v) {
      if (size == items.length) {
        items = Arrays.copyOf(items, size * 2);
      }
      int i = size++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (items[parent] <= v) {
          break;
        }
        items[i] = items[parent];
        i = parent;
      }
      items[i] = v;
    }

    long pop() {
      long top = items[0];
      long last = items[--size];
      int i = 0;
      while (true) {
        int child = 2 * i + 1;
        if (child >= size) {
          break;
        }
        if (child + 1 < size && items[child + 1] < items[child]) {
          child++;
        }
        if (items[child] >= last) {
          break;
        }
        items[i] = items[child];
        i = child;
      }
      items[i] = last;
      return top;
    }
  }
}

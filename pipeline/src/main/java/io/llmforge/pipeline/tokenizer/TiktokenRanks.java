package io.llmforge.pipeline.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a tiktoken vocabulary ({@code .tiktoken}: one {@code base64(token bytes) rank} per line, as OpenAI and
 * jtokkit ship cl100k_base and r50k_base) into a {@link ByteLevelBpe}. tiktoken stores only ranks; the merges are
 * recovered the way Hugging Face converts these files: each token's merge is the last step of BPE-encoding its
 * own bytes with the tokens ranked below it. Used by the benchmark to run our encoder on OpenAI's vocabularies,
 * which makes its output directly comparable, id for id, with tiktoken's.
 */
public final class TiktokenRanks {
  private TiktokenRanks() {}

  /**
   * @param specials special tokens and their ids (e.g. {@code <|endoftext|>} = 100257 for cl100k_base)
   */
  public static ByteLevelBpe read(InputStream tiktoken, PreTokenizer.Kind kind, Map<String, Integer> specials)
      throws IOException {
    List<byte[]> byRank = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(tiktoken, StandardCharsets.US_ASCII))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        int space = line.indexOf(' ');
        int rank = Integer.parseInt(line.substring(space + 1).trim());
        if (rank != byRank.size()) {
          throw new IOException("ranks must be dense and ordered; found " + rank + " at line " + (byRank.size() + 1));
        }
        byRank.add(Base64.getDecoder().decode(line.substring(0, space)));
      }
    }
    return fromRanks(byRank, kind, specials);
  }

  /** Builds the tokenizer from tokens by rank (rank = id). */
  public static ByteLevelBpe fromRanks(List<byte[]> byRank, PreTokenizer.Kind kind, Map<String, Integer> specials) {
    Map<String, Integer> rankOf = new HashMap<>(byRank.size() * 2);
    for (int r = 0; r < byRank.size(); r++) {
      rankOf.put(latin1(byRank.get(r)), r);
    }
    int size = byRank.size();
    for (int id : specials.values()) {
      size = Math.max(size, id + 1);
    }
    String[] spellings = new String[size];
    List<int[]> merges = new ArrayList<>();
    for (int r = 0; r < byRank.size(); r++) {
      byte[] token = byRank.get(r);
      spellings[r] = ByteLevelAlphabet.encode(token);
      if (token.length < 2) {
        continue;
      }
      List<String> parts = bpe(rankOf, token, r);
      if (parts.size() != 2) {
        throw new IllegalArgumentException("token of rank " + r + " does not split into two lower-ranked tokens");
      }
      merges.add(new int[] {rankOf.get(parts.get(0)), rankOf.get(parts.get(1))});
    }
    specials.forEach((text, id) -> spellings[id] = text);
    int[] left = merges.stream().mapToInt(m -> m[0]).toArray();
    int[] right = merges.stream().mapToInt(m -> m[1]).toArray();
    return new ByteLevelBpe(kind, spellings, left, right, specials);
  }

  /** BPE of {@code token} using only ranks below {@code maxRank}; parts as Latin-1 strings of their bytes. */
  private static List<String> bpe(Map<String, Integer> rankOf, byte[] token, int maxRank) {
    List<String> parts = new ArrayList<>(token.length);
    for (byte b : token) {
      parts.add(String.valueOf((char) (b & 0xFF)));
    }
    while (parts.size() > 1) {
      int best = -1;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < parts.size(); i++) {
        Integer rank = rankOf.get(parts.get(i) + parts.get(i + 1));
        if (rank != null && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0 || bestRank >= maxRank) {
        break;
      }
      parts.set(best, parts.get(best) + parts.remove(best + 1));
    }
    return parts;
  }

  private static String latin1(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }
}

package io.llmforge.trainer.sft;

import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.IntList;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * llmforge's chat template, in token ids:
 *
 * <pre>
 *   &lt;|endoftext|&gt; &lt;|system|&gt;...&lt;|end|&gt;
 *   &lt;|user|&gt;...&lt;|end|&gt; &lt;|assistant|&gt;...&lt;|end|&gt; &lt;|user|&gt;...
 * </pre>
 *
 * The leading {@code <|endoftext|>} is the boundary every pretraining document starts after, so a conversation
 * begins where the base model expects text to begin. Turn text is encoded as ordinary text: a literal
 * {@code <|user|>} typed by a user stays characters and cannot forge a turn.
 *
 * <p>The loss mask: every assistant token and the assistant's closing {@code <|end|>} is a target (the end token must
 * be, or the model never learns to stop); the role markers and every system and user token are not. {@code
 * trainOnPrompt} makes every token after the first a target (pretraining on the conversation); {@code responseOnly}
 * leaves the system and user turns out altogether (response tuning).
 *
 * <p>Too long: a conversation that does not fit in {@code maxTokens} keeps its system message and as many whole
 * user/assistant exchanges from the start as fit (an answer is never cut, which would teach the model not to stop);
 * when not even the first exchange fits, or {@code dropTurns} is off and any would be dropped, it is rejected.
 */
public final class ChatTemplate {
  private final ByteLevelBpe tokenizer;
  private final int begin;
  private final int system;
  private final int user;
  private final int assistant;
  private final int end;

  /** Which tokens the loss covers, and what to do with a conversation that is too long. */
  public record Options(boolean trainOnPrompt, boolean responseOnly, boolean dropTurns) implements Serializable {
    public static final Options DEFAULT = new Options(false, false, true);
  }

  /**
   * A rendered conversation.
   *
   * @param tokens        ids, the template applied
   * @param mask          1 where {@code tokens[i]} is a target (predicted from {@code tokens[0, i)}); {@code mask[0]}
   *                      is always 0
   * @param droppedTurns  user/assistant exchanges left out to fit
   */
  public record Rendered(int[] tokens, byte[] mask, int droppedTurns) {
    public int targets() {
      int n = 0;
      for (byte b : mask) {
        n += b;
      }
      return n;
    }
  }

  public ChatTemplate(ByteLevelBpe tokenizer) {
    this.tokenizer = tokenizer;
    this.begin = tokenizer.specialId(SpecialTokens.END_OF_TEXT);
    this.system = tokenizer.specialId(SpecialTokens.SYSTEM);
    this.user = tokenizer.specialId(SpecialTokens.USER);
    this.assistant = tokenizer.specialId(SpecialTokens.ASSISTANT);
    this.end = tokenizer.specialId(SpecialTokens.END);
  }

  public ByteLevelBpe tokenizer() {
    return tokenizer;
  }

  /** The id that closes a turn; generation stops at it. */
  public int endId() {
    return end;
  }

  /** Ids that end an answer: {@code <|end|>}, and {@code <|endoftext|>} for a model that never saw the template. */
  public Set<Integer> stopIds() {
    return Set.of(end, begin);
  }

  /** Ids that must never appear inside an answer: the markers of the other roles. */
  public Set<Integer> foreignMarkers() {
    return Set.of(user, system);
  }

  /** Renders a validated conversation into at most {@code maxTokens} ids with its loss mask. */
  public Rendered render(Conversation c, Options options, int maxTokens) throws BadConversation {
    IntList ids = new IntList(256);
    IntList mask = new IntList(256);
    add(ids, mask, begin, false);
    if (c.system() != null && !options.responseOnly()) {
      turn(ids, mask, system, c.system(), false);
    }
    List<Message> turns = c.turns();
    int exchanges = turns.size() / 2;
    int kept = 0;
    for (int e = 0; e < exchanges; e++) {
      IntList turnIds = new IntList(128);
      IntList turnMask = new IntList(128);
      if (!options.responseOnly()) {
        turn(turnIds, turnMask, user, turns.get(2 * e).content(), false);
      }
      turn(turnIds, turnMask, assistant, turns.get(2 * e + 1).content(), true);
      if (ids.size() + turnIds.size() > maxTokens) {
        break;
      }
      ids.addAll(turnIds.toArray());
      mask.addAll(turnMask.toArray());
      kept++;
    }
    if (kept == 0) {
      throw new BadConversation(BadConversation.TOO_LONG, "the first exchange needs more than " + maxTokens
          + " tokens");
    }
    if (kept < exchanges && !options.dropTurns()) {
      throw new BadConversation(BadConversation.TOO_LONG, "needs more than " + maxTokens + " tokens ("
          + (exchanges - kept) + " of " + exchanges + " exchanges do not fit)");
    }
    byte[] m = new byte[mask.size()];
    for (int i = 1; i < m.length; i++) {
      m[i] = (byte) (options.trainOnPrompt() ? 1 : mask.get(i));
    }
    return new Rendered(ids.toArray(), m, exchanges - kept);
  }

  /**
   * The ids a model answers from: the conversation so far (system message and turns, the last one the user's) and
   * the {@code <|assistant|>} marker. Generation then runs until {@link #stopIds}.
   */
  public int[] prompt(List<Message> messages) {
    IntList ids = new IntList(256);
    IntList ignored = new IntList(256);
    add(ids, ignored, begin, false);
    for (Message m : messages) {
      int marker = switch (m.role()) {
        case Message.SYSTEM -> system;
        case Message.USER -> user;
        case Message.ASSISTANT -> assistant;
        default -> throw new IllegalArgumentException("unknown role " + m.role());
      };
      turn(ids, ignored, marker, m.content(), false);
    }
    add(ids, ignored, assistant, false);
    return ids.toArray();
  }

  /** An answer as it follows {@link #prompt}: its text's ids and the closing {@code <|end|>}. */
  public int[] completion(String answer) {
    IntList ids = new IntList(128);
    tokenizer.encodeOrdinary(answer, ids);
    ids.add(end);
    return ids.toArray();
  }

  /** The answer's text: the ids after the prompt, up to (not including) the first stop id. */
  public String answer(int[] generated, int promptLength) {
    List<Integer> out = new ArrayList<>();
    for (int i = promptLength; i < generated.length && !stopIds().contains(generated[i]); i++) {
      out.add(generated[i]);
    }
    return tokenizer.decode(out.stream().mapToInt(Integer::intValue).toArray());
  }

  /**
   * The longest assistant answer of a rendered row, in tokens: from after an {@code <|assistant|>} marker to its
   * {@code <|end|>}, included (the tokens a model must generate to give that answer and stop).
   */
  public int longestAnswer(Rendered r) {
    int longest = 0;
    int[] ids = r.tokens();
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] == assistant) {
        int length = answerLength(ids, i + 1, end);
        longest = Math.max(longest, length);
        i += length;
      }
    }
    return longest;
  }

  /**
   * Tokens of the answer that starts at {@code from}: up to its {@code end} id, included, or to the end of
   * {@code ids} when there is none (a cut answer).
   */
  static int answerLength(int[] ids, int from, int end) {
    int k = from;
    while (k < ids.length && ids[k] != end) {
      k++;
    }
    return Math.min(k + 1, ids.length) - from;
  }

  /** marker, text, {@code <|end|>}; the text and end are targets when {@code trained}, the marker never. */
  private void turn(IntList ids, IntList mask, int marker, String text, boolean trained) {
    add(ids, mask, marker, false);
    int from = ids.size();
    tokenizer.encodeOrdinary(text, ids);
    for (int i = from; i < ids.size(); i++) {
      mask.add(trained ? 1 : 0);
    }
    add(ids, mask, end, trained);
  }

  private static void add(IntList ids, IntList mask, int id, boolean target) {
    ids.add(id);
    mask.add(target ? 1 : 0);
  }
}

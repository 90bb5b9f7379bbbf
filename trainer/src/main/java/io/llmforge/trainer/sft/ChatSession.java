package io.llmforge.trainer.sft;

import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.generate.Generator;
import io.llmforge.trainer.generate.Sampler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A conversation with a fine-tuned model: the history rendered with the chat template, each answer generated on the
 * engine's KV cache until {@code <|end|>}, streamed as text while it is generated. When the history outgrows the
 * model's block, the oldest exchanges are left out of the prompt (the system message stays).
 */
public final class ChatSession {
  private final GptEngine engine;
  private final ChatTemplate template;
  private final Generator generator;
  private final String system;
  private final List<Message> history = new ArrayList<>();

  /**
   * @param stopped whether the answer ended with {@code <|end|>} (else it hit the token limit)
   * @param tokens  ids generated, the stop id included
   */
  public record Reply(String text, boolean stopped, int tokens, int[] ids) {}

  public ChatSession(GptEngine engine, ByteLevelBpe tokenizer, Sampler sampler, long seed, String system) {
    this.engine = engine;
    this.template = new ChatTemplate(tokenizer);
    // a repetition penalty spares the stop ids (Generator), not the role markers: they must not appear in an answer
    this.generator = new Generator(engine, sampler, seed);
    this.system = system == null || system.isBlank() ? null : system;
  }

  /** A session on a checkpoint (run folder or step folder; LoRA adapters merged) and its tokenizer. */
  public static ChatSession open(Path checkpoint, Sampler sampler, long seed, String system, PrintStream warnings) {
    Path folder = Checkpoint.resolve(checkpoint, warnings);
    Path tokenizer = Checkpoint.tokenizerFile(folder);
    try {
      return new ChatSession(SftMerge.load(folder, warnings), TokenizerJson.read(Files.readAllBytes(tokenizer)),
          sampler, seed, system);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + tokenizer, e);
    }
  }

  /** Forgets the conversation (the system message stays). */
  public void reset() {
    history.clear();
  }

  /** The model's answer to {@code user}, streamed to {@code onText} piece by piece; both join the history. */
  public Reply reply(String user, int maxNewTokens, Consumer<String> onText) {
    history.add(Message.user(user));
    int[] prompt = fit(maxNewTokens);
    Utf8Stream stream = new Utf8Stream(onText == null ? s -> { } : onText);
    int[] out = generator.generate(prompt, maxNewTokens, template.stopIds(), id -> {
      if (!template.stopIds().contains(id)) {
        stream.write(template.tokenizer().tokenBytes(id));
      }
    });
    stream.flush();
    int generated = out.length - prompt.length;
    boolean stopped = generated > 0 && template.stopIds().contains(out[out.length - 1]);
    String text = template.answer(out, prompt.length);
    history.add(Message.assistant(text));
    return new Reply(text, stopped, generated, Arrays.copyOfRange(out, prompt.length, out.length));
  }

  /** The prompt for the history, leaving out the oldest exchanges while it leaves no room for the answer. */
  private int[] fit(int maxNewTokens) {
    int room = Math.max(1, engine.config().blockSize() - Math.min(maxNewTokens, engine.config().blockSize() / 2));
    while (true) {
      List<Message> messages = new ArrayList<>();
      if (system != null) {
        messages.add(Message.system(system));
      }
      messages.addAll(history);
      int[] prompt = template.prompt(messages);
      if (prompt.length <= room || history.size() <= 1) {
        return prompt; // the generator keeps the last block of a prompt that is still too long
      }
      history.subList(0, Math.min(2, history.size() - 1)).clear();
    }
  }

  /** Turns token bytes into text as soon as they form whole UTF-8 characters (a token may end mid-character). */
  static final class Utf8Stream {
    private final Consumer<String> sink;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    Utf8Stream(Consumer<String> sink) {
      this.sink = sink;
    }

    void write(byte[] bytes) {
      pending.writeBytes(bytes);
      byte[] all = pending.toByteArray();
      int complete = completePrefix(all);
      if (complete > 0) {
        sink.accept(new String(all, 0, complete, StandardCharsets.UTF_8));
        pending.reset();
        pending.write(all, complete, all.length - complete);
      }
    }

    void flush() {
      if (pending.size() > 0) {
        sink.accept(pending.toString(StandardCharsets.UTF_8));
        pending.reset();
      }
    }

    /** Length of the longest prefix that does not end inside a multi-byte character. */
    static int completePrefix(byte[] b) {
      int n = b.length;
      for (int back = 1; back <= Math.min(3, n); back++) {
        int lead = b[n - back] & 0xFF;
        if ((lead & 0xC0) == 0x80) {
          continue; // a continuation byte: look further back for its lead
        }
        int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return need > back ? n - back : n;
      }
      return n; // only continuation bytes at the end of a longer run: let the decoder replace them
    }
  }
}

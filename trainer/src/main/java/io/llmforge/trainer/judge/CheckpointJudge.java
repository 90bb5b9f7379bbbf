package io.llmforge.trainer.judge;

import io.llmforge.pipeline.rephrase.BackendSettings;
import io.llmforge.pipeline.rephrase.RephraseBackend;
import io.llmforge.pipeline.rephrase.RephraseBackends;
import io.llmforge.pipeline.tokenizer.IntList;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.KvCacheDecoder;
import io.llmforge.trainer.generate.CheckpointRephraser;
import io.llmforge.trainer.sft.ChatTemplate;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.SftMerge;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An llmforge checkpoint as the judge, in-process (self-alignment: the policy judging its own answers), with the
 * verdict constrained to the two letters: the judge prompt goes through the chat template and the answer's first
 * token is whichever of {@code A} and {@code B} the model scores higher at the first position after
 * {@code <|assistant|>}. A small model rarely writes a verdict in the asked format, but it always ranks the two
 * letters, and asking in both orders (the judge job does) cancels its preference for a position. A prompt longer
 * than the model's block is not sent ({@code failed_too_long}). Unconstrained ({@code judge.checkpoint.constrained =
 * false}), the judge generates its reply like the rephrase job's checkpoint backend ({@link CheckpointRephraser})
 * and the verdict is parsed from it.
 */
public final class CheckpointJudge implements RephraseBackend {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private final GptEngine engine;
  private final ChatTemplate template;
  private final KvCacheDecoder decoder;
  private final int idA;
  private final int idB;
  private final Map<String, Long> counters = new TreeMap<>();

  /** The judge's backends: a checkpoint constrained or free, or the pipeline's endpoint client. */
  public static RephraseBackends.Factory backends(boolean constrained) {
    return s -> s.kind() != BackendSettings.Kind.CHECKPOINT ? RephraseBackends.create(s)
        : constrained ? new CheckpointJudge(Path.of(s.checkpoint())) : new CheckpointRephraser(s);
  }

  public CheckpointJudge(Path checkpoint) {
    Path folder = Checkpoint.resolve(checkpoint, QUIET);
    this.engine = SftMerge.load(folder, QUIET);
    Path tokenizer = Checkpoint.tokenizerFile(folder);
    try {
      this.template = new ChatTemplate(TokenizerJson.read(Files.readAllBytes(tokenizer)));
    } catch (IOException e) {
      throw new UncheckedIOException("judge.checkpoint.path: cannot read " + tokenizer, e);
    }
    this.decoder = new KvCacheDecoder(engine, 1);
    this.idA = letter("A");
    this.idB = letter("B");
    for (String c : List.of("ok", "failed_too_long")) {
      counters.put(c, 0L);
    }
  }

  /** The id of a one-letter token (a byte-level BPE has one for every byte). */
  private int letter(String s) {
    IntList ids = new IntList(2);
    template.tokenizer().encodeOrdinary(s, ids);
    if (ids.size() != 1) {
      throw new IllegalStateException("the judge's tokenizer encodes '" + s + "' as " + ids.size() + " tokens");
    }
    return ids.get(0);
  }

  @Override
  public List<String> rephrase(List<Request> requests) {
    List<String> out = new ArrayList<>(requests.size());
    for (Request r : requests) {
      List<Message> messages = new ArrayList<>();
      if (r.system() != null && !r.system().isBlank()) {
        messages.add(Message.system(r.system()));
      }
      messages.add(Message.user(r.user()));
      int[] prompt = template.prompt(messages);
      if (prompt.length > engine.config().blockSize()) {
        counters.merge("failed_too_long", 1L, Long::sum);
        out.add(null);
        continue;
      }
      decoder.reset();
      double[] logits = decoder.prefill(0, prompt).toDoubleVector();
      out.add(logits[idA] > logits[idB] ? "A" : logits[idB] > logits[idA] ? "B" : "tie");
      counters.merge("ok", 1L, Long::sum);
    }
    return out;
  }

  @Override
  public Map<String, Long> counters() {
    return Map.copyOf(counters);
  }
}

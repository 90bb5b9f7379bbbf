package io.llmforge.trainer.generate;

import io.llmforge.pipeline.rephrase.BackendSettings;
import io.llmforge.pipeline.rephrase.RephraseBackend;
import io.llmforge.pipeline.rephrase.RephraseBackends;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.data.Chunks;
import io.llmforge.trainer.engine.GptEngine;
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
 * {@code rephrase.backend = checkpoint}: the rephrase job's rewrites made by an llmforge SFT model inside each Spark
 * task, on the same generation code as {@code chat} and {@code serve} (chat template, KV-cache {@link Generator}
 * batched over the task's batch, stop at {@code <|end|>}). A prompt that leaves fewer than max-tokens of the block
 * for the answer is not sent ({@code failed_too_long}); an answer cut at max-tokens is not used
 * ({@code failed_truncated}), as with an endpoint's {@code finish_reason = length}; an empty one neither
 * ({@code failed_bad_response}). Each task loads the checkpoint itself (a path every executor can read).
 */
public final class CheckpointRephraser implements RephraseBackend {
  /** The backends the rephrase job is handed: this one for {@code checkpoint}, the pipeline's for the rest. */
  public static final RephraseBackends.Factory BACKENDS = s -> s.kind() == BackendSettings.Kind.CHECKPOINT
      ? new CheckpointRephraser(s) : RephraseBackends.create(s);

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private final BackendSettings settings;
  private final GptEngine engine;
  private final ChatTemplate template;
  private final Generator generator;
  private final Map<String, Long> counters = new TreeMap<>();

  public CheckpointRephraser(BackendSettings settings) {
    this.settings = settings;
    Path folder = Checkpoint.resolve(Path.of(settings.checkpoint()), QUIET);
    this.engine = SftMerge.load(folder, QUIET);
    Path tokenizer = Checkpoint.tokenizerFile(folder);
    try {
      this.template = new ChatTemplate(TokenizerJson.read(Files.readAllBytes(tokenizer)));
    } catch (IOException e) {
      throw new UncheckedIOException("rephrase.checkpoint.path: cannot read " + tokenizer, e);
    }
    this.generator = new Generator(engine, new Sampler(settings.temperature(), 0, 1.0), 1234);
    for (String c : List.of("ok", "failed_truncated", "failed_too_long", "failed_bad_response")) {
      counters.put(c, 0L);
    }
  }

  @Override
  public List<String> rephrase(List<Request> requests) {
    int room = engine.config().blockSize() - settings.maxTokens();
    List<String> out = new ArrayList<>(requests.size());
    List<int[]> prompts = new ArrayList<>();
    List<Integer> sent = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      Request r = requests.get(i);
      List<Message> messages = new ArrayList<>();
      if (r.system() != null && !r.system().isBlank()) {
        messages.add(Message.system(r.system()));
      }
      messages.add(Message.user(r.user()));
      int[] prompt = template.prompt(messages);
      out.add(null);
      if (prompt.length > room) {
        count("failed_too_long");
      } else {
        prompts.add(prompt);
        sent.add(i);
      }
    }
    int from = 0;
    for (List<int[]> batch : Chunks.of(prompts, settings.concurrency())) {
      List<int[]> generated = generator.generate(batch, settings.maxTokens(), template.stopIds());
      for (int j = 0; j < batch.size(); j++) {
        int[] ids = generated.get(j);
        boolean stopped = ids.length > batch.get(j).length && template.stopIds().contains(ids[ids.length - 1]);
        String answer = template.answer(ids, batch.get(j).length).strip();
        if (!stopped) {
          count("failed_truncated");
        } else if (answer.isEmpty()) {
          count("failed_bad_response");
        } else {
          out.set(sent.get(from + j), answer);
          count("ok");
        }
      }
      from += batch.size();
    }
    return out;
  }

  private void count(String counter) {
    counters.merge(counter, 1L, Long::sum);
  }

  @Override
  public Map<String, Long> counters() {
    return Map.copyOf(counters);
  }
}

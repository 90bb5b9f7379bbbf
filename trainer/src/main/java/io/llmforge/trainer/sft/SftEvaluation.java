package io.llmforge.trainer.sft;

import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.trainer.distributed.WorkerGroup;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.generate.Generator;
import io.llmforge.trainer.generate.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What SFT changes, measured on held-out conversations: the assistant-token loss, and the behaviour of greedy
 * answers to their first prompt: the stop rate (the answer ends with {@code <|end|>} within the token limit), how
 * often an answer emits another role's marker ({@code <|user|>}, {@code <|system|>}), and answer length.
 */
public final class SftEvaluation {
  private SftEvaluation() {}

  /** One held-out prompt, the model's answer and the reference. */
  public record Sample(String prompt, String answer, String reference, boolean stopped) {}

  /**
   * @param stopRate        share of answers that end with {@code <|end|>}
   * @param endOfTextRate   share that ended with {@code <|endoftext|>} instead (a base model's document end)
   * @param markerRate      share that emitted {@code <|user|>} or {@code <|system|>} before stopping
   * @param referenceFitRate share of the held-out references whose first answer, {@code <|end|>} included, fits in
   *                         the token limit: the stop rate a model that answered exactly like the data would reach
   * @param stopRateWhereReferenceFits the stop rate on those prompts alone (NaN when there are none): what is left
   *                         of {@code 1 - stopRate} there is the model's own failure to end (loops), not the data's
   *                         long answers
   * @param samples         the first answers, stopped or not
   * @param misses          the first answers that did not stop (as many as samples at most): what a miss looks like
   */
  public record Result(int prompts, double heldOutLoss, double stopRate, double endOfTextRate, double markerRate,
      double meanAnswerTokens, double referenceFitRate, double stopRateWhereReferenceFits, List<Sample> samples,
      List<Sample> misses) {
    public Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("prompts", prompts);
      m.put("held_out_loss", heldOutLoss);
      m.put("stop_rate", stopRate);
      m.put("endoftext_rate", endOfTextRate);
      m.put("role_marker_rate", markerRate);
      m.put("mean_answer_tokens", meanAnswerTokens);
      m.put("reference_fit_rate", referenceFitRate);
      m.put("stop_rate_where_reference_fits", Double.isNaN(stopRateWhereReferenceFits) ? null
          : stopRateWhereReferenceFits);
      m.put("samples", asMaps(samples));
      m.put("misses", asMaps(misses));
      return m;
    }

    private static List<Map<String, Object>> asMaps(List<Sample> samples) {
      List<Map<String, Object>> s = new ArrayList<>();
      for (Sample x : samples) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("prompt", x.prompt());
        one.put("answer", x.answer());
        one.put("reference", x.reference());
        one.put("stopped", x.stopped());
        s.add(one);
      }
      return s;
    }
  }

  /**
   * Evaluates {@code model} on held-out examples: the loss on all of them, greedy answers (batched, KV cache) of at
   * most {@code maxNewTokens} to each one's first prompt, {@code sampleCount} samples and as many misses.
   */
  public static Result evaluate(GptEngine model, ChatTemplate template, List<SftDataset.Example> heldOut,
      int maxNewTokens, int batchSize, int sampleCount) {
    return evaluate(model, template, heldOut, maxNewTokens, batchSize, sampleCount, Sampler.greedy());
  }

  /**
   * The same with answers picked by {@code sampler} (greedy plus a repetition penalty, say: the decoding-time fix
   * for a small model's loops, measured apart from what training taught).
   */
  public static Result evaluate(GptEngine model, ChatTemplate template, List<SftDataset.Example> heldOut,
      int maxNewTokens, int batchSize, int sampleCount, Sampler sampler) {
    int pad = template.tokenizer().specialId(SpecialTokens.PAD);
    double loss = SftTraining.validationLoss(model, heldOut, batchSize, 0, pad, WorkerGroup.single());
    int end = template.endId();
    int endOfText = template.tokenizer().endOfTextId();
    Generator generator = new Generator(model, sampler, 1);
    int stopped = 0;
    int endedText = 0;
    int leaked = 0;
    long answerTokens = 0;
    int referencesFit = 0;
    int stoppedWhereFits = 0;
    List<Sample> samples = new ArrayList<>();
    List<Sample> misses = new ArrayList<>();
    for (int from = 0; from < heldOut.size(); from += batchSize) {
      List<SftDataset.Example> batch = heldOut.subList(from, Math.min(heldOut.size(), from + batchSize));
      List<int[]> prompts = new ArrayList<>();
      for (SftDataset.Example e : batch) {
        prompts.add(Arrays.copyOf(e.tokens(), firstTarget(e)));
      }
      List<int[]> outputs = generator.generate(prompts, maxNewTokens, template.stopIds());
      for (int i = 0; i < batch.size(); i++) {
        int[] prompt = prompts.get(i);
        int[] out = outputs.get(i);
        int last = out.length > prompt.length ? out[out.length - 1] : -1;
        stopped += last == end ? 1 : 0;
        endedText += last == endOfText ? 1 : 0;
        boolean marker = false;
        for (int k = prompt.length; k < out.length; k++) {
          marker |= template.foreignMarkers().contains(out[k]);
        }
        leaked += marker ? 1 : 0;
        answerTokens += out.length - prompt.length;
        boolean fits = referenceAnswerTokens(batch.get(i), end) <= maxNewTokens;
        referencesFit += fits ? 1 : 0;
        stoppedWhereFits += fits && last == end ? 1 : 0;
        boolean wanted = samples.size() < sampleCount || (last != end && misses.size() < sampleCount);
        if (wanted) {
          Sample sample = new Sample(promptText(template, prompt), template.answer(out, prompt.length),
              reference(template, batch.get(i)), last == end);
          if (samples.size() < sampleCount) {
            samples.add(sample);
          }
          if (last != end && misses.size() < sampleCount) {
            misses.add(sample);
          }
        }
      }
    }
    int n = heldOut.size();
    return new Result(n, loss, (double) stopped / n, (double) endedText / n, (double) leaked / n,
        (double) answerTokens / n, (double) referencesFit / n,
        referencesFit == 0 ? Double.NaN : (double) stoppedWhereFits / referencesFit, samples, misses);
  }

  /** Tokens of the reference's first answer, its closing {@code <|end|>} included (all of it when it has none). */
  static int referenceAnswerTokens(SftDataset.Example e, int end) {
    return ChatTemplate.answerLength(e.tokens(), firstTarget(e), end);
  }

  /** Where the first answer starts: the first target (just after {@code <|assistant|>}). */
  static int firstTarget(SftDataset.Example e) {
    for (int i = 0; i < e.mask().length; i++) {
      if (e.mask()[i] == 1) {
        return i;
      }
    }
    throw new IllegalArgumentException("a held-out example without targets");
  }

  private static String reference(ChatTemplate template, SftDataset.Example e) {
    return template.answer(e.tokens(), firstTarget(e));
  }

  /** The user's text of a prompt (between the last {@code <|user|>} and its {@code <|end|>}). */
  private static String promptText(ChatTemplate template, int[] prompt) {
    int user = template.tokenizer().specialId(SpecialTokens.USER);
    int start = 0;
    for (int i = prompt.length - 1; i >= 0; i--) {
      if (prompt[i] == user) {
        start = i + 1;
        break;
      }
    }
    int stop = start;
    while (stop < prompt.length && prompt[stop] != template.endId()) {
      stop++;
    }
    return template.tokenizer().decode(Arrays.copyOfRange(prompt, start, stop));
  }
}

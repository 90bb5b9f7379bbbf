package io.llmforge.trainer.export;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.Parameters;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Our model's tensors under Hugging Face {@code GPT2LMHeadModel}'s state-dict names. The engine already uses GPT-2's
 * names without the {@code transformer.} prefix and GPT-2's layouts (Conv1D weights [in, out], {@code c_attn} fused
 * as [q | k | v] with heads contiguous within each, a bias on every projection and LayerNorm), so the mapping is the
 * prefix; what this class adds is the check that every tensor is one GPT-2 has, with GPT-2's shape, and that GPT-2
 * gets every tensor it needs. The LM head is tied to {@code wte} (the engine computes logits with {@code wte}), so
 * there is no {@code lm_head.weight} unless a model has one of its own.
 */
final class Gpt2Tensors {
  static final String PREFIX = "transformer.";
  /** An untied LM head's name, in our model and in GPT-2's: nn.Linear [vocab, C] (the layout of wte). */
  static final String LM_HEAD = "lm_head.weight";

  private Gpt2Tensors() {}

  /** Whether the model's LM head is {@code wte} (GPT-2's {@code tie_word_embeddings}). */
  static boolean tied(GptEngine model) {
    return !model.parameters().contains(LM_HEAD);
  }

  /** GPT-2's tensors for {@code config}, by state-dict name, with their shapes (the LM head only when untied). */
  static Map<String, long[]> expectedShapes(GptConfig c, boolean tied) {
    long e = c.nEmbd();
    Map<String, long[]> s = new LinkedHashMap<>();
    s.put(PREFIX + "wte.weight", new long[] {c.vocabSize(), e});
    s.put(PREFIX + "wpe.weight", new long[] {c.blockSize(), e});
    for (int l = 0; l < c.nLayer(); l++) {
      String h = PREFIX + "h." + l + ".";
      s.put(h + "ln_1.weight", new long[] {e});
      s.put(h + "ln_1.bias", new long[] {e});
      s.put(h + "attn.c_attn.weight", new long[] {e, 3 * e});
      s.put(h + "attn.c_attn.bias", new long[] {3 * e});
      s.put(h + "attn.c_proj.weight", new long[] {e, e});
      s.put(h + "attn.c_proj.bias", new long[] {e});
      s.put(h + "ln_2.weight", new long[] {e});
      s.put(h + "ln_2.bias", new long[] {e});
      s.put(h + "mlp.c_fc.weight", new long[] {e, 4 * e});
      s.put(h + "mlp.c_fc.bias", new long[] {4 * e});
      s.put(h + "mlp.c_proj.weight", new long[] {4 * e, e});
      s.put(h + "mlp.c_proj.bias", new long[] {e});
    }
    s.put(PREFIX + "ln_f.weight", new long[] {e});
    s.put(PREFIX + "ln_f.bias", new long[] {e});
    if (!tied) {
      s.put(LM_HEAD, new long[] {c.vocabSize(), e});
    }
    return s;
  }

  /** GPT-2's name for one of our tensors. */
  static String hfName(String ours) {
    return ours.equals(LM_HEAD) ? LM_HEAD : PREFIX + ours;
  }

  /**
   * The model's tensors (live views) by GPT-2 name, in GPT-2's order. Fails naming the tensor when the model has one
   * GPT-2 has no place for, one of another shape, or lacks one (a plain model, adapters merged, is expected).
   */
  static Map<String, INDArray> of(GptEngine model) {
    Parameters p = model.parameters();
    Map<String, long[]> expected = expectedShapes(model.config(), tied(model));
    for (String name : p.names()) {
      if (!expected.containsKey(hfName(name))) {
        throw new IllegalStateException("the model has a tensor " + name + " that GPT-2 has no place for");
      }
    }
    Map<String, INDArray> out = new LinkedHashMap<>();
    expected.forEach((hf, shape) -> {
      String ours = hf.startsWith(PREFIX) ? hf.substring(PREFIX.length()) : hf;
      if (!p.contains(ours)) {
        throw new IllegalStateException("the model has no tensor " + ours + " (GPT-2's " + hf + ")");
      }
      if (!Arrays.equals(p.shape(ours), shape)) {
        throw new IllegalStateException("tensor " + ours + " has shape " + Arrays.toString(p.shape(ours))
            + ", GPT-2's " + hf + " is " + Arrays.toString(shape));
      }
      out.put(hf, p.value(ours));
    });
    return out;
  }
}

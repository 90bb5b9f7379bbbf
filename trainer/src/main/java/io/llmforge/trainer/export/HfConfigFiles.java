package io.llmforge.trainer.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The JSON files of a Hugging Face GPT-2 folder besides the weights: {@code config.json} (GPT2Config),
 * {@code generation_config.json}, {@code tokenizer_config.json} and {@code special_tokens_map.json}
 * (for {@code AutoTokenizer}, which then loads the checkpoint's own {@code tokenizer.json} as a
 * {@code PreTrainedTokenizerFast}).
 *
 * <p>Token roles: every llmforge document and conversation starts after {@code <|endoftext|>}, so it is the BOS;
 * the EOS is {@code <|end|>}, which closes a chat turn and is what {@code llmforge chat} stops at (a tokenizer
 * without it: {@code <|endoftext|>}). {@code generate()} stops at either ({@code generation_config.json} lists both,
 * {@code <|end|>} first), so a pretrained-only model ends at its document's end and a fine-tuned one at its turn's,
 * as our own generation does.
 */
final class HfConfigFiles {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /**
   * {@code sft.ChatTemplate} in Jinja, as {@code apply_chat_template} renders it: {@code <|endoftext|>}, then each
   * message as {@code <|role|>content<|end|>}, then {@code <|assistant|>} to answer. (A Hugging Face tokenizer does
   * read special-token text typed inside a message as the special token; ours encodes it as plain text.)
   */
  static final String CHAT_TEMPLATE = "{{ bos_token }}{% for message in messages %}"
      + "{{ '<|' + message['role'] + '|>' + message['content'] + '<|end|>' }}{% endfor %}"
      + "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}";

  private final GptConfig config;
  private final boolean tied;
  private final Map<String, Integer> specials;

  HfConfigFiles(GptConfig config, boolean tied, ByteLevelBpe tokenizer) {
    this.config = config;
    this.tied = tied;
    this.specials = tokenizer.specials();
  }

  /** The id of the start token, or null when the tokenizer has no {@code <|endoftext|>}. */
  Integer bosId() {
    return specials.get(SpecialTokens.END_OF_TEXT);
  }

  /** The id of the end token: {@code <|end|>}, else {@code <|endoftext|>}; null when it has neither. */
  Integer eosId() {
    Integer end = specials.get(SpecialTokens.END);
    return end != null ? end : bosId();
  }

  private String eosToken() {
    return specials.containsKey(SpecialTokens.END) ? SpecialTokens.END
        : specials.containsKey(SpecialTokens.END_OF_TEXT) ? SpecialTokens.END_OF_TEXT : null;
  }

  /** GPT2Config for {@code GPT2LMHeadModel}: the engine's hyper-parameters and the facts of its architecture. */
  String config() {
    ObjectNode n = JSON.createObjectNode();
    n.putArray("architectures").add("GPT2LMHeadModel");
    n.put("model_type", "gpt2");
    n.put("vocab_size", config.vocabSize());
    n.put("n_positions", config.blockSize());
    n.put("n_ctx", config.blockSize());
    n.put("n_embd", config.nEmbd());
    n.put("n_layer", config.nLayer());
    n.put("n_head", config.nHead());
    n.putNull("n_inner"); // GPT-2's default, 4 x n_embd: the engine's MLP width
    n.put("activation_function", "gelu_new"); // GPT-2's tanh approximation, which engine.Gelu computes
    n.put("layer_norm_epsilon", GptEngine.LAYER_NORM_EPS);
    // attention scaled by 1/sqrt(head size) and nothing else (CausalSelfAttention)
    n.put("scale_attn_weights", true);
    n.put("scale_attn_by_inverse_layer_idx", false);
    n.put("reorder_and_upcast_attn", false);
    n.put("resid_pdrop", config.dropout());
    n.put("embd_pdrop", config.dropout());
    n.put("attn_pdrop", config.dropout());
    n.put("initializer_range", 0.02);
    n.put("tie_word_embeddings", tied);
    putId(n, "bos_token_id", bosId());
    putId(n, "eos_token_id", eosId());
    putId(n, "pad_token_id", specials.get(SpecialTokens.PAD));
    n.put("torch_dtype", "float32");
    n.put("use_cache", true);
    return text(n);
  }

  String generationConfig() {
    ObjectNode n = JSON.createObjectNode();
    putId(n, "bos_token_id", bosId());
    Set<Integer> stops = new LinkedHashSet<>();
    if (eosId() != null) {
      stops.add(eosId());
    }
    if (bosId() != null) {
      stops.add(bosId());
    }
    if (stops.size() == 1) {
      n.put("eos_token_id", stops.iterator().next());
    } else if (!stops.isEmpty()) {
      ArrayNode eos = n.putArray("eos_token_id");
      stops.forEach(eos::add);
    }
    putId(n, "pad_token_id", specials.get(SpecialTokens.PAD));
    return text(n);
  }

  String tokenizerConfig() {
    ObjectNode n = JSON.createObjectNode();
    n.put("tokenizer_class", "PreTrainedTokenizerFast");
    putTokens(n);
    n.put("model_max_length", config.blockSize());
    n.put("clean_up_tokenization_spaces", false);
    if (specials.keySet().containsAll(java.util.List.of(SpecialTokens.END_OF_TEXT, SpecialTokens.SYSTEM,
        SpecialTokens.USER, SpecialTokens.ASSISTANT, SpecialTokens.END))) {
      n.put("chat_template", CHAT_TEMPLATE);
    }
    return text(n);
  }

  String specialTokensMap() {
    ObjectNode n = JSON.createObjectNode();
    putTokens(n);
    return text(n);
  }

  private void putTokens(ObjectNode n) {
    if (bosId() != null) {
      n.put("bos_token", SpecialTokens.END_OF_TEXT);
    }
    if (eosToken() != null) {
      n.put("eos_token", eosToken());
    }
    if (specials.containsKey(SpecialTokens.PAD)) {
      n.put("pad_token", SpecialTokens.PAD);
    }
    ArrayNode more = n.putArray("additional_special_tokens");
    specials.keySet().stream().filter(t -> !t.equals(SpecialTokens.END_OF_TEXT) && !t.equals(eosToken())
        && !t.equals(SpecialTokens.PAD)).forEach(more::add);
  }

  private static void putId(ObjectNode n, String key, Integer id) {
    if (id != null) {
      n.put(key, id);
    }
  }

  private static String text(ObjectNode n) {
    try {
      return JSON.writeValueAsString(n) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of plain values always serialises", e);
    }
  }
}

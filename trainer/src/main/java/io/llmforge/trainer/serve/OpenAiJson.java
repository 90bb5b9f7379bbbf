package io.llmforge.trainer.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.trainer.serve.CompletionRequest.Kind;
import java.util.List;

/**
 * The response bodies in OpenAI's shapes: {@code chat.completion} and its {@code chat.completion.chunk}s,
 * {@code text_completion} (also its streamed chunks), the model list and the model object.
 */
final class OpenAiJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What every body and chunk of one response repeats. */
  record Header(Kind kind, String id, long created, String model) {}

  private OpenAiJson() {}

  static String completion(Header h, List<String> texts, List<String> reasons, int promptTokens,
      int completionTokens) {
    ObjectNode root = start(h, h.kind() == Kind.CHAT ? "chat.completion" : "text_completion");
    ArrayNode choices = root.putArray("choices");
    for (int i = 0; i < texts.size(); i++) {
      ObjectNode c = choices.addObject();
      c.put("index", i);
      if (h.kind() == Kind.CHAT) {
        ObjectNode message = c.putObject("message");
        message.put("role", "assistant");
        message.put("content", texts.get(i));
      } else {
        c.put("text", texts.get(i));
      }
      c.putNull("logprobs");
      c.put("finish_reason", reasons.get(i));
    }
    root.set("usage", usage(promptTokens, completionTokens));
    return root.toString();
  }

  /** A chat stream's first chunk for a choice: the role, no content yet (as OpenAI sends it). */
  static String roleChunk(Header h, int choice) {
    ObjectNode root = chunk(h);
    ObjectNode c = root.putArray("choices").addObject();
    c.put("index", choice);
    c.putObject("delta").put("role", "assistant").put("content", "");
    c.putNull("logprobs");
    c.putNull("finish_reason");
    return root.toString();
  }

  static String textChunk(Header h, int choice, String text) {
    return choiceChunk(h, choice, text, null);
  }

  /** The last chunk of a choice: no new text, its finish_reason. */
  static String finishChunk(Header h, int choice, String reason) {
    return choiceChunk(h, choice, null, reason);
  }

  /** {@code stream_options.include_usage}: a chunk with no choices and the usage, before {@code [DONE]}. */
  static String usageChunk(Header h, int promptTokens, int completionTokens) {
    ObjectNode root = chunk(h);
    root.putArray("choices");
    root.set("usage", usage(promptTokens, completionTokens));
    return root.toString();
  }

  /** An error inside a stream whose status line (200) is already sent. */
  static String streamError(ApiError e) {
    ObjectNode root = JSON.createObjectNode();
    root.set("error", e.errorObject());
    return root.toString();
  }

  static ObjectNode model(String name, long created) {
    ObjectNode m = JSON.createObjectNode();
    m.put("id", name);
    m.put("object", "model");
    m.put("created", created);
    m.put("owned_by", "llmforge");
    return m;
  }

  static String models(String name, long created) {
    ObjectNode root = JSON.createObjectNode();
    root.put("object", "list");
    root.putArray("data").add(model(name, created));
    return root.toString();
  }

  private static String choiceChunk(Header h, int choice, String text, String reason) {
    ObjectNode root = chunk(h);
    ObjectNode c = root.putArray("choices").addObject();
    c.put("index", choice);
    if (h.kind() == Kind.CHAT) {
      ObjectNode delta = c.putObject("delta");
      if (text != null) {
        delta.put("content", text);
      }
    } else {
      c.put("text", text == null ? "" : text);
    }
    c.putNull("logprobs");
    c.put("finish_reason", reason);
    return root.toString();
  }

  private static ObjectNode chunk(Header h) {
    return start(h, h.kind() == Kind.CHAT ? "chat.completion.chunk" : "text_completion");
  }

  private static ObjectNode start(Header h, String object) {
    ObjectNode root = JSON.createObjectNode();
    root.put("id", h.id());
    root.put("object", object);
    root.put("created", h.created());
    root.put("model", h.model());
    return root;
  }

  private static ObjectNode usage(int promptTokens, int completionTokens) {
    ObjectNode u = JSON.createObjectNode();
    u.put("prompt_tokens", promptTokens);
    u.put("completion_tokens", completionTokens);
    u.put("total_tokens", promptTokens + completionTokens);
    return u;
  }
}

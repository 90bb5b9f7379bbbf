package io.llmforge.trainer.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.trainer.serve.CompletionRequest.Kind;
import io.llmforge.trainer.sft.Message;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads a completion request body into a {@link CompletionRequest}, or fails with the {@link ApiError} that names the
 * parameter: every check that needs no tokenizer happens here, before anything is queued. Fields OpenAI defines and
 * this server does not use ({@code user}, {@code presence_penalty} at 0, ...) are ignored, as an OpenAI-compatible
 * server must accept what the clients send; fields that would change the answer and are not supported (tools,
 * log-probs, a non-zero frequency or presence penalty) are refused rather than silently dropped.
 */
public final class RequestParser {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** OpenAI's limit on stop sequences. */
  static final int MAX_STOPS = 4;

  /**
   * @param modelName the served name ({@code model} must be it, when given)
   * @param maxN      the most choices one request may ask for (the decoder's rows)
   * @param maxTokens the server's limit on {@code max_tokens}
   * @param vocabSize token ids of {@code logit_bias} must be below it
   */
  public record Limits(String modelName, int maxN, int maxTokens, int vocabSize) {}

  private final Limits limits;

  public RequestParser(Limits limits) {
    this.limits = limits;
  }

  public CompletionRequest parse(Kind kind, byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw ApiError.invalidJson("the body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiError.invalidJson("the body could not be read as JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw ApiError.invalidJson("the body must be a JSON object");
    }
    JsonNode model = root.get("model");
    if (present(model)) {
      if (!model.isTextual()) {
        throw ApiError.invalid("model", "'model' must be a string");
      }
      if (!model.asText().equals(limits.modelName())) {
        throw ApiError.modelNotFound(model.asText(), limits.modelName());
      }
    }
    refuseUnsupported(root);
    List<Message> messages = null;
    String prompt = null;
    if (kind == Kind.CHAT) {
      messages = messages(root.get("messages"));
    } else {
      prompt = prompt(root.get("prompt"));
    }
    Integer maxTokens = maxTokens(root);
    double temperature = number(root, "temperature", 1.0);
    if (!(temperature >= 0 && temperature <= 2)) {
      throw ApiError.invalid("temperature", "'temperature' must be in [0, 2], got " + temperature);
    }
    double topP = number(root, "top_p", 1.0);
    if (!(topP > 0 && topP <= 1)) {
      throw ApiError.invalid("top_p", "'top_p' must be in (0, 1], got " + topP);
    }
    long topK = integer(root, "top_k", 0);
    if (topK < 0 || topK > Integer.MAX_VALUE) {
      throw ApiError.invalid("top_k", "'top_k' must be >= 0 (0 keeps all tokens), got " + topK);
    }
    double repetitionPenalty = number(root, "repetition_penalty", 1.0);
    if (!(repetitionPenalty > 0 && repetitionPenalty <= 10)) {
      throw ApiError.invalid("repetition_penalty", "'repetition_penalty' must be in (0, 10] (1 is off), got "
          + repetitionPenalty);
    }
    long n = integer(root, "n", 1);
    if (n < 1 || n > limits.maxN()) {
      throw ApiError.invalid("n", "'n' must be in [1, " + limits.maxN() + "] (the server's batch rows), got " + n);
    }
    JsonNode seed = root.get("seed");
    Long seedValue = null;
    if (present(seed)) {
      if (!seed.isIntegralNumber() || !seed.canConvertToLong()) {
        throw ApiError.invalid("seed", "'seed' must be an integer");
      }
      seedValue = seed.asLong();
    }
    boolean stream = bool(root, "stream", false);
    boolean includeUsage = false;
    JsonNode options = root.get("stream_options");
    if (present(options)) {
      if (!options.isObject()) {
        throw ApiError.invalid("stream_options", "'stream_options' must be an object");
      }
      if (!stream) {
        throw ApiError.invalid("stream_options", "'stream_options' is only allowed with 'stream': true");
      }
      includeUsage = bool(options, "include_usage", false);
    }
    return new CompletionRequest(kind, messages, prompt, maxTokens, temperature, topP, (int) topK, repetitionPenalty,
        logitBias(root.get("logit_bias")), (int) n, seedValue, stops(root.get("stop")), stream, includeUsage);
  }

  /** What would change the answer and is not there: refused, so a client never gets a silently different result. */
  private static void refuseUnsupported(JsonNode root) {
    for (String name : List.of("tools", "functions", "tool_choice", "function_call", "response_format", "suffix")) {
      JsonNode v = root.get(name);
      if (present(v) && !(v.isArray() && v.isEmpty())) {
        throw ApiError.invalid(name, "'" + name + "' is not supported by this server");
      }
    }
    JsonNode logprobs = root.get("logprobs");
    if (present(logprobs) && !(logprobs.isBoolean() && !logprobs.asBoolean())) {
      throw ApiError.invalid("logprobs", "'logprobs' is not supported by this server");
    }
    JsonNode echo = root.get("echo");
    if (present(echo) && echo.asBoolean(false)) {
      throw ApiError.invalid("echo", "'echo' is not supported by this server");
    }
    for (String name : List.of("frequency_penalty", "presence_penalty")) {
      JsonNode v = root.get(name);
      if (present(v) && !(v.isNumber() && v.asDouble() == 0)) {
        throw ApiError.invalid(name, "'" + name + "' is not supported (use 'repetition_penalty'); 0 is accepted");
      }
    }
  }

  private static List<Message> messages(JsonNode node) {
    if (!present(node)) {
      throw ApiError.missing("messages");
    }
    if (!node.isArray()) {
      throw ApiError.invalid("messages", "'messages' must be an array of {role, content}");
    }
    if (node.isEmpty()) {
      throw ApiError.invalid("messages", "'messages' must hold at least one message");
    }
    List<Message> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode m = node.get(i);
      String where = "messages[" + i + "]";
      if (!m.isObject()) {
        throw ApiError.invalid(where, where + " must be an object with 'role' and 'content'");
      }
      JsonNode role = m.get("role");
      if (!present(role) || !role.isTextual()) {
        throw ApiError.invalid(where + ".role", where + " needs a 'role' string");
      }
      String r = switch (role.asText()) {
        case "system", "developer" -> Message.SYSTEM; // "developer" is OpenAI's newer name for system messages
        case "user" -> Message.USER;
        case "assistant" -> Message.ASSISTANT;
        default -> throw ApiError.invalid(where + ".role", "unknown role '" + role.asText()
            + "' in " + where + "; expected system, developer, user or assistant");
      };
      out.add(new Message(r, content(m.get("content"), where + ".content")));
    }
    return out;
  }

  /** A string, or OpenAI's array of content parts of which only {@code {"type": "text"}} ones are understood. */
  private static String content(JsonNode node, String where) {
    if (!present(node)) {
      throw ApiError.invalid(where, where + " is missing (tool calls are not supported)");
    }
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isArray()) {
      StringBuilder text = new StringBuilder();
      for (JsonNode part : node) {
        if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
          throw ApiError.invalid(where, where + ": only text parts {\"type\": \"text\", \"text\": ...} are supported");
        }
        text.append(part.get("text").asText());
      }
      return text.toString();
    }
    throw ApiError.invalid(where, where + " must be a string or an array of text parts");
  }

  private static String prompt(JsonNode node) {
    if (!present(node)) {
      throw ApiError.missing("prompt");
    }
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isArray() && node.size() == 1 && node.get(0).isTextual()) {
      return node.get(0).asText();
    }
    throw ApiError.invalid("prompt", "'prompt' must be a string (or a list of exactly one string; token ids and "
        + "several prompts per request are not supported: send one request per prompt)");
  }

  private Integer maxTokens(JsonNode root) {
    String name = null;
    JsonNode node = null;
    for (String candidate : List.of("max_completion_tokens", "max_tokens")) { // the newer name wins if both are given
      if (present(root.get(candidate))) {
        name = candidate;
        node = root.get(candidate);
        break;
      }
    }
    if (node == null) {
      return null;
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt()) {
      throw ApiError.invalid(name, "'" + name + "' must be an integer");
    }
    int v = node.asInt();
    if (v < 1) {
      throw ApiError.invalid(name, "'" + name + "' must be at least 1, got " + v);
    }
    if (v > limits.maxTokens()) {
      throw ApiError.invalid(name, "'" + name + "' is " + v + ", above this server's limit of " + limits.maxTokens());
    }
    return v;
  }

  private Map<Integer, Double> logitBias(JsonNode node) {
    if (!present(node)) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw ApiError.invalid("logit_bias", "'logit_bias' must be an object of token id to bias");
    }
    Map<Integer, Double> bias = new HashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      int id;
      try {
        id = Integer.parseInt(e.getKey());
      } catch (NumberFormatException ex) {
        throw ApiError.invalid("logit_bias", "'logit_bias' keys must be token ids, got '" + e.getKey() + "'");
      }
      if (id < 0 || id >= limits.vocabSize()) {
        throw ApiError.invalid("logit_bias", "'logit_bias' token id " + id + " is outside the vocabulary [0, "
            + limits.vocabSize() + ")");
      }
      if (!e.getValue().isNumber() || !(Math.abs(e.getValue().asDouble()) <= 100)) {
        throw ApiError.invalid("logit_bias", "'logit_bias' values must be numbers in [-100, 100]");
      }
      bias.put(id, e.getValue().asDouble());
    }
    return bias;
  }

  private static List<String> stops(JsonNode node) {
    if (!present(node)) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    if (node.isTextual()) {
      out.add(node.asText());
    } else if (node.isArray()) {
      for (JsonNode s : node) {
        if (!s.isTextual()) {
          throw ApiError.invalid("stop", "'stop' must be a string or a list of strings");
        }
        out.add(s.asText());
      }
    } else {
      throw ApiError.invalid("stop", "'stop' must be a string or a list of strings");
    }
    if (out.size() > MAX_STOPS) {
      throw ApiError.invalid("stop", "'stop' takes at most " + MAX_STOPS + " sequences, got " + out.size());
    }
    if (out.stream().anyMatch(String::isEmpty)) {
      throw ApiError.invalid("stop", "'stop' sequences must not be empty");
    }
    return out;
  }

  private static double number(JsonNode root, String name, double fallback) {
    JsonNode v = root.get(name);
    if (!present(v)) {
      return fallback;
    }
    if (!v.isNumber()) {
      throw ApiError.invalid(name, "'" + name + "' must be a number");
    }
    return v.asDouble();
  }

  private static long integer(JsonNode root, String name, long fallback) {
    JsonNode v = root.get(name);
    if (!present(v)) {
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw ApiError.invalid(name, "'" + name + "' must be an integer");
    }
    return v.asLong();
  }

  private static boolean bool(JsonNode root, String name, boolean fallback) {
    JsonNode v = root.get(name);
    if (!present(v)) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw ApiError.invalid(name, "'" + name + "' must be true or false");
    }
    return v.asBoolean();
  }

  /** JSON null counts as absent, as the OpenAI clients send null for unset options. */
  private static boolean present(JsonNode node) {
    return node != null && !node.isNull();
  }
}

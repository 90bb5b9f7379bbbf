package io.llmforge.trainer.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/**
 * A request that cannot be served, as the HTTP status and OpenAI's error body
 * {@code {"error": {"message", "type", "param", "code"}}}, which the {@code openai} clients turn into their typed
 * exceptions (BadRequestError, NotFoundError, RateLimitError, ...). Thrown anywhere while a request is handled and
 * answered by the router.
 */
public final class ApiError extends RuntimeException {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int status;
  private final String type;
  private final String param;
  private final String code;

  public ApiError(int status, String type, String param, String code, String message) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String param() {
    return param;
  }

  public String code() {
    return code;
  }

  /** 400: a parameter with a wrong type or value. */
  public static ApiError invalid(String param, String message) {
    return new ApiError(400, "invalid_request_error", param, "invalid_value", message);
  }

  /** 400: a required parameter is absent. */
  public static ApiError missing(String param) {
    return new ApiError(400, "invalid_request_error", param, "missing_required_parameter",
        "you must provide '" + param + "'");
  }

  public static ApiError invalidJson(String message) {
    return new ApiError(400, "invalid_request_error", null, "invalid_json", message);
  }

  public static ApiError contextLengthExceeded(String param, String message) {
    return new ApiError(400, "invalid_request_error", param, "context_length_exceeded", message);
  }

  /** 404 as OpenAI answers a model it does not serve. */
  public static ApiError modelNotFound(String model, String served) {
    return new ApiError(404, "invalid_request_error", "model", "model_not_found",
        "the model '" + model + "' does not exist; this server serves '" + served + "'");
  }

  public static ApiError unknownUrl(String method, String path) {
    return new ApiError(404, "invalid_request_error", null, "unknown_url", "Invalid URL (" + method + " " + path + ")");
  }

  public static ApiError methodNotAllowed(String method, String path, String allowed) {
    return new ApiError(405, "invalid_request_error", null, "method_not_allowed",
        method + " is not allowed on " + path + "; use " + allowed);
  }

  public static ApiError unauthorized() {
    return new ApiError(401, "invalid_request_error", null, "invalid_api_key",
        "missing or incorrect API key: send 'Authorization: Bearer <key>'");
  }

  public static ApiError queueFull(int maxQueue) {
    return new ApiError(429, "rate_limit_error", null, "queue_full",
        "the server is busy: " + maxQueue + " requests are already waiting; retry later");
  }

  public static ApiError tooLarge(int maxBytes) {
    return new ApiError(413, "invalid_request_error", null, "request_too_large",
        "the request body is larger than " + maxBytes + " bytes");
  }

  public static ApiError shuttingDown() {
    return new ApiError(503, "server_error", null, "shutting_down", "the server is shutting down");
  }

  /** 500: a failure that is the server's, never the request's; the message says what broke, not a stack trace. */
  public static ApiError internal(Throwable cause) {
    String what = cause.getMessage() == null ? cause.getClass().getSimpleName()
        : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    return new ApiError(500, "server_error", null, "internal_error", "internal error: " + what);
  }

  /** The error object itself ({@code message, type, param, code}). */
  public ObjectNode errorObject() {
    ObjectNode e = JSON.createObjectNode();
    e.put("message", getMessage());
    e.put("type", type);
    e.put("param", param);
    e.put("code", code);
    return e;
  }

  /** The whole response body {@code {"error": {...}}}. */
  public byte[] body() {
    ObjectNode root = JSON.createObjectNode();
    root.set("error", errorObject());
    return root.toString().getBytes(StandardCharsets.UTF_8);
  }
}

package io.llmforge.pipeline.config;

/**
 * Bad configuration, found before any work starts. The message always names the key and where its value came
 * from (file and line, or the {@code --set} override).
 */
public final class ConfigError extends RuntimeException {
  public ConfigError(String message) {
    super(message);
  }

  public ConfigError(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.llmforge.pipeline.rephrase;

import java.io.Serializable;

/** A credential that travels to executors but never into a log line, an exception message or stats. */
public final class Secret implements Serializable {
  private final String value;

  public Secret(String value) {
    this.value = value == null ? "" : value;
  }

  public String reveal() {
    return value;
  }

  public boolean isEmpty() {
    return value.isEmpty();
  }

  @Override
  public String toString() {
    return value.isEmpty() ? "(none)" : "(hidden)";
  }
}

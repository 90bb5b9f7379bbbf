package io.llmforge.pipeline.config;

/** Quotes a raw command-line value as a HOCON string when it is not valid HOCON by itself (paths, URLs). */
final class ConfigValueQuoting {
  private ConfigValueQuoting() {}

  static String quote(String raw) {
    StringBuilder sb = new StringBuilder(raw.length() + 2).append('"');
    for (char c : raw.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append('"').toString();
  }
}

package io.llmforge.pipeline.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.Map;

/** An ordered bag of figures that a job writes as {@code stats.json} and prints at the end. */
public final class JobStats {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private final Map<String, Object> values = new LinkedHashMap<>();

  public JobStats put(String key, Object value) {
    values.put(key, value);
    return this;
  }

  /** The number under {@code key}; NaN when absent. */
  public double number(String key) {
    Object v = get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  public Object get(String key) {
    return values.get(key);
  }

  public long getLong(String key) {
    return ((Number) values.get(key)).longValue();
  }

  public Map<String, Object> asMap() {
    return values;
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(values);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stats are plain maps and numbers", e);
    }
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> parse(String json) {
    try {
      return JSON.readValue(json, LinkedHashMap.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a stats.json: " + e.getMessage(), e);
    }
  }
}

package io.llmforge.pipeline.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.List;
import java.util.function.Supplier;

/**
 * Typed, validated reads from a loaded configuration. Every failure (missing key, wrong type, out of range)
 * becomes a {@link ConfigError} naming the key and the file and line its value came from.
 */
public final class ConfigReader {
  private final Config config;
  private final String prefix;

  public ConfigReader(Config config) {
    this(config, "");
  }

  private ConfigReader(Config config, String prefix) {
    this.config = config;
    this.prefix = prefix;
  }

  public Config raw() {
    return config;
  }

  /** A reader rooted at {@code path}; keys in its errors still carry the full path. */
  public ConfigReader at(String path) {
    return new ConfigReader(config, full(path));
  }

  /** The full path of a key relative to this reader, for direct use of {@link #raw()}. */
  public String fullKey(String key) {
    return full(key);
  }

  private String full(String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }

  public boolean has(String key) {
    return config.hasPath(full(key));
  }

  public String string(String key) {
    return read(key, () -> config.getString(full(key)));
  }

  public String requiredString(String key) {
    String value = string(key);
    if (value.isBlank()) {
      throw error(key, "is required and must not be empty");
    }
    return value;
  }

  public boolean bool(String key) {
    return read(key, () -> config.getBoolean(full(key)));
  }

  public List<String> strings(String key) {
    return read(key, () -> List.copyOf(config.getStringList(full(key))));
  }

  public int intIn(String key, int min, int max) {
    int value = read(key, () -> config.getInt(full(key)));
    if (value < min || value > max) {
      throw error(key, "is " + value + ", must be in [" + min + ", " + max + "]");
    }
    return value;
  }

  public long longIn(String key, long min, long max) {
    long value = read(key, () -> config.getLong(full(key)));
    if (value < min || value > max) {
      throw error(key, "is " + value + ", must be in [" + min + ", " + max + "]");
    }
    return value;
  }

  public double doubleIn(String key, double min, double max) {
    double value = read(key, () -> config.getDouble(full(key)));
    if (!(value >= min && value <= max)) {
      throw error(key, "is " + value + ", must be in [" + min + ", " + max + "]");
    }
    return value;
  }

  /** A size such as {@code 16 MiB} or a plain byte count. */
  public long bytesIn(String key, long min, long max) {
    long value = read(key, () -> config.getBytes(full(key)));
    if (value < min || value > max) {
      throw error(key, "is " + value + " bytes, must be in [" + min + ", " + max + "]");
    }
    return value;
  }

  public <E extends Enum<E>> E enumValue(String key, Class<E> type) {
    String value = string(key);
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(value.replace('-', '_'))) {
        return constant;
      }
    }
    throw error(key, "is '" + value + "', must be one of " + List.of(type.getEnumConstants()).toString().toLowerCase());
  }

  public ConfigError error(String key, String problem) {
    String where = config.hasPath(full(key)) ? config.getValue(full(key)).origin().description() + ": " : "";
    return new ConfigError(where + full(key) + " " + problem);
  }

  private <T> T read(String key, Supplier<T> getter) {
    try {
      return getter.get();
    } catch (ConfigException.Missing e) {
      throw new ConfigError(full(key) + " is missing (no default either): " + e.getMessage(), e);
    } catch (ConfigException e) {
      throw new ConfigError(e.getMessage(), e);
    }
  }
}

package io.llmforge.pipeline.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads a job's configuration: the job's defaults ({@code conf/<job>.conf}, packaged in every jar under
 * {@code llmforge/conf/}), then the user's files in order, then {@code --set key=value} overrides, then
 * {@code -Dkey=value} system properties for keys under the job's own sections.
 *
 * <p>Strict by design: a key that the defaults do not know is an error naming the key and its file, so a
 * typo such as {@code clean.min-word} fails at start-up instead of being silently ignored.
 */
public final class JobConfig {
  private JobConfig() {}

  /**
   * @param job       name of the defaults file ({@code clean} reads {@code llmforge/conf/clean.conf})
   * @param sections  top-level sections that the job owns and that are checked for unknown keys
   * @param files     user configuration files, later ones win
   * @param overrides {@code key=value} strings, HOCON syntax for the value
   */
  public static ConfigReader load(String job, List<String> sections, List<Path> files, List<String> overrides) {
    Config defaults = defaults(job);
    Config user = ConfigFactory.empty();
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        throw new ConfigError("configuration file not found: " + file);
      }
      Config parsed;
      try {
        parsed = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
      } catch (ConfigException e) {
        throw new ConfigError("cannot parse " + file + ": " + e.getMessage(), e);
      }
      user = parsed.withFallback(user);
    }
    for (String override : overrides) {
      user = parseOverride(override).withFallback(user);
    }
    Config system = systemOverrides(sections);
    user = system.withFallback(user);
    rejectUnknownKeys(user, defaults, sections);
    Config merged;
    try {
      merged = user.withFallback(defaults).resolve(ConfigResolveOptions.defaults().setAllowUnresolved(false));
    } catch (ConfigException e) {
      throw new ConfigError(e.getMessage(), e);
    }
    return new ConfigReader(merged);
  }

  /** The packaged defaults of one job, as shipped in {@code conf/}. */
  public static Config defaults(String job) {
    String resource = "llmforge/conf/" + job + ".conf";
    Config config = ConfigFactory.parseResources(JobConfig.class.getClassLoader(), resource,
        ConfigParseOptions.defaults().setAllowMissing(false));
    Config common = ConfigFactory.parseResources(JobConfig.class.getClassLoader(), "llmforge/conf/common.conf",
        ConfigParseOptions.defaults().setAllowMissing(true));
    return config.withFallback(common);
  }

  static Config parseOverride(String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError("--set expects key=value, got '" + override + "'");
    }
    String key = override.substring(0, eq).trim();
    String value = override.substring(eq + 1).trim();
    try {
      // Parse "key = value" so that numbers, booleans, lists and sizes keep their HOCON types.
      return ConfigFactory.parseString(quoteKey(key) + " = " + value,
          ConfigParseOptions.defaults().setOriginDescription("--set " + override));
    } catch (ConfigException e) {
      try {
        return ConfigFactory.parseString(quoteKey(key) + " = " + ConfigValueQuoting.quote(value),
            ConfigParseOptions.defaults().setOriginDescription("--set " + override));
      } catch (ConfigException e2) {
        throw new ConfigError("cannot parse --set " + override + ": " + e.getMessage(), e);
      }
    }
  }

  private static String quoteKey(String key) {
    for (String part : key.split("\\.")) {
      if (!part.matches("[A-Za-z0-9_-]+")) {
        throw new ConfigError("--set key '" + key + "' must be a dotted path of [A-Za-z0-9_-] names");
      }
    }
    return key;
  }

  private static Config systemOverrides(List<String> sections) {
    Config system = ConfigFactory.systemProperties();
    Config picked = ConfigFactory.empty();
    for (String section : sections) {
      if (system.hasPath(section)) {
        picked = picked.withFallback(system.withOnlyPath(section));
      }
    }
    return picked;
  }

  private static void rejectUnknownKeys(Config user, Config defaults, List<String> sections) {
    List<String> problems = new ArrayList<>();
    Set<String> known = new TreeSet<>();
    defaults.entrySet().forEach(e -> known.add(e.getKey()));
    List<Map.Entry<String, ConfigValue>> entries = new ArrayList<>(user.entrySet());
    entries.sort(Comparator.comparing(Map.Entry::getKey));
    for (Map.Entry<String, ConfigValue> entry : entries) {
      String key = entry.getKey();
      String top = key.split("\\.", 2)[0];
      boolean owned = sections.contains(top) || top.equals("llmforge");
      if (!owned) {
        continue; // another job's section in a shared file: that job checks it
      }
      if (!known.contains(key) && !isUnderOpenMap(key, defaults)) {
        problems.add(entry.getValue().origin().description() + ": unknown key '" + key + "'" + suggestion(key, known));
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigError(String.join("\n", problems));
    }
  }

  /** Maps declared as {@code {}} in the defaults (e.g. per-source weights) accept any key below them. */
  private static boolean isUnderOpenMap(String key, Config defaults) {
    String path = key;
    int dot;
    while ((dot = path.lastIndexOf('.')) > 0) {
      path = path.substring(0, dot);
      if (defaults.hasPathOrNull(path) && !defaults.getIsNull(path)
          && defaults.getValue(path).valueType() == com.typesafe.config.ConfigValueType.OBJECT
          && defaults.getObject(path).isEmpty()) {
        return true;
      }
    }
    return false;
  }

  private static String suggestion(String key, Set<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int d = Levenshtein.distance(key, candidate);
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
    return best != null && bestDistance <= Math.max(2, key.length() / 5) ? " (did you mean '" + best + "'?)" : "";
  }
}

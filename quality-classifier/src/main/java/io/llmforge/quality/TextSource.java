package io.llmforge.quality;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One source of training text: where it is, how to read it, and which of its documents to use. Sources are
 * written in the configuration as a list of objects, e.g.
 * {@code positives = [{format = text-paragraphs, path = "wiki.txt"}]}; every key not given comes from
 * {@code classify-train.source-defaults}.
 *
 * @param name         label in stats.json (defaults to the path's file name, or the format for generated text)
 * @param textField    the text column of jsonl/csv sources
 * @param where        a Spark SQL condition on the source's own columns, e.g. {@code toxic = 1}; "" keeps all
 * @param tabColumn    text-lines: the tab-separated column holding the text, -1 for the whole line
 * @param chunkChars   text-paragraphs: target chunk size
 * @param entries      tar: glob on entry paths ({@code *} any chars within a path part, {@code **} any)
 * @param mailBodyOnly tar: drop RFC 822 headers (everything before the first blank line)
 * @param languages    keep only documents detected as one of these ISO 639-1 codes; [] keeps all
 * @param minChars     drop shorter documents (after normalisation)
 * @param maxDocs      at most this many documents, a deterministic hash sample; 0 keeps all
 * @param count        synthetic formats: how many documents to generate
 * @param seed         synthetic formats: generator seed
 */
public record TextSource(String name, SourceFormat format, String path, String textField, String where,
                         int tabColumn, int chunkChars, String entries, boolean mailBodyOnly, List<String> languages,
                         int minChars, long maxDocs, int count, long seed) implements Serializable {

  public TextSource {
    languages = List.copyOf(languages);
  }

  public boolean synthetic() {
    return format == SourceFormat.SYNTHETIC_ARTICLES || format == SourceFormat.SYNTHETIC_WEB;
  }

  /**
   * Reads the list of source objects at {@code key} (e.g. {@code classify-train.positives}), filling missing
   * keys from the object at {@code defaultsKey}. An unknown key or a bad value fails naming
   * {@code key.<index>.<field>} and the file and line it came from.
   */
  public static List<TextSource> listFrom(ConfigReader root, String key, String defaultsKey) {
    Config config = root.raw();
    Config defaults = config.getConfig(defaultsKey);
    List<? extends ConfigObject> objects;
    try {
      objects = config.getObjectList(key);
    } catch (ConfigException e) {
      throw new ConfigError(key + " must be a list of source objects such as "
          + "[{format = jsonl, path = \"web.jsonl\"}]: " + e.getMessage(), e);
    }
    List<TextSource> sources = new ArrayList<>();
    for (int i = 0; i < objects.size(); i++) {
      String at = key + "." + i;
      ConfigObject object = objects.get(i);
      Set<String> unknown = new TreeSet<>(object.keySet());
      unknown.removeAll(defaults.root().keySet());
      if (!unknown.isEmpty()) {
        throw new ConfigError(object.origin().description() + ": unknown key(s) " + unknown + " in source " + at
            + "; a source takes " + new TreeSet<>(defaults.root().keySet()));
      }
      Config merged = object.toConfig().withFallback(defaults).atPath(at);
      sources.add(from(new ConfigReader(merged).at(at), at));
    }
    return List.copyOf(sources);
  }

  /**
   * Parses a HOCON list of source objects against the packaged defaults of {@code classify-train}: the way
   * benchmarks and tests describe their data, in the same words as a configuration file.
   */
  public static List<TextSource> parseList(String hoconList) {
    Config defaults = JobConfig.defaults("classify-train");
    Config parsed = ConfigFactory.parseString("sources = " + hoconList,
        ConfigParseOptions.defaults().setOriginDescription("sources"));
    Config both = parsed.withFallback(defaults.withOnlyPath("classify-train.source-defaults"));
    return listFrom(new ConfigReader(both), "sources", "classify-train.source-defaults");
  }

  private static TextSource from(ConfigReader c, String at) {
    SourceFormat format = c.enumValue("format", SourceFormat.class);
    boolean synthetic = format == SourceFormat.SYNTHETIC_ARTICLES || format == SourceFormat.SYNTHETIC_WEB;
    String path = synthetic ? c.string("path") : c.requiredString("path");
    String textField = c.string("text-field");
    if ((format == SourceFormat.JSONL || format == SourceFormat.CSV) && textField.isBlank()) {
      throw c.error("text-field", "must name the text column of a " + format.name().toLowerCase() + " source");
    }
    String name = c.string("name");
    if (name.isBlank()) {
      name = synthetic ? format.name().toLowerCase().replace('_', '-') : fileName(path);
    }
    return new TextSource(name, format, path, textField, c.string("where"),
        c.intIn("tab-column", -1, 10_000), c.intIn("chunk-chars", 100, 10_000_000), c.string("entries"),
        c.bool("mail-body-only"), c.strings("languages"), c.intIn("min-chars", 0, Integer.MAX_VALUE),
        c.longIn("max-docs", 0, Long.MAX_VALUE), c.intIn("count", 1, 10_000_000),
        c.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE));
  }

  private static String fileName(String path) {
    String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return trimmed.substring(trimmed.lastIndexOf('/') + 1);
  }
}

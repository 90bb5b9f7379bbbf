package io.llmforge.pipeline.clean;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.filter.C4QualityFilter;
import io.llmforge.pipeline.filter.DocumentFilter;
import io.llmforge.pipeline.filter.FineWebQualityFilter;
import io.llmforge.pipeline.filter.GopherQualityFilter;
import io.llmforge.pipeline.filter.GopherRepetitionFilter;
import io.llmforge.pipeline.filter.HarmfulContentFilter;
import io.llmforge.pipeline.filter.PiiMasker;
import io.llmforge.pipeline.lang.LanguageFilter;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Reads the filter sections of {@code clean.*} into filter settings, and builds the filter chain in its fixed
 * order: language, harmful, gopher-quality, gopher-repetition, c4, fineweb. Each section has an
 * {@code enabled} switch; the thresholds default to the published values (see each filter's Javadoc).
 */
public final class CleanFilters {
  private CleanFilters() {}

  /**
   * Everything needed to build the chain. Block lists are only named here; they are read when the job starts
   * ({@link #build}), through Hadoop, so they can live on HDFS or S3.
   */
  public record Spec(LanguageFilter language, HarmfulContentFilter.Settings harmful,
                     GopherQualityFilter.Settings gopherQuality, GopherRepetitionFilter.Settings gopherRepetition,
                     C4QualityFilter.Settings c4, FineWebQualityFilter.Settings fineweb) implements Serializable {}

  public static Spec read(ConfigReader clean) {
    return new Spec(
        clean.bool("language.enabled") ? language(clean.at("language")) : null,
        clean.bool("harmful.enabled") ? harmful(clean.at("harmful")) : null,
        clean.bool("gopher-quality.enabled") ? gopherQuality(clean.at("gopher-quality")) : null,
        clean.bool("gopher-repetition.enabled") ? gopherRepetition(clean.at("gopher-repetition")) : null,
        clean.bool("c4.enabled") ? c4(clean.at("c4")) : null,
        clean.bool("fineweb.enabled") ? fineweb(clean.at("fineweb")) : null);
  }

  /** The chain, in order; block-list files are read here through the job's Hadoop configuration. */
  public static List<DocumentFilter> build(Spec spec, Configuration hadoop) {
    List<DocumentFilter> filters = new ArrayList<>();
    if (spec.language() != null) {
      filters.add(spec.language());
    }
    if (spec.harmful() != null) {
      filters.add(loadHarmful(spec.harmful(), hadoop));
    }
    if (spec.gopherQuality() != null) {
      filters.add(new GopherQualityFilter(spec.gopherQuality()));
    }
    if (spec.gopherRepetition() != null) {
      filters.add(new GopherRepetitionFilter(spec.gopherRepetition()));
    }
    if (spec.c4() != null) {
      filters.add(new C4QualityFilter(spec.c4()));
    }
    if (spec.fineweb() != null) {
      filters.add(new FineWebQualityFilter(spec.fineweb()));
    }
    return filters;
  }

  public static PiiMasker piiMasker(ConfigReader pii) {
    PiiMasker.Settings d = PiiMasker.Settings.defaults();
    return new PiiMasker(new PiiMasker.Settings(pii.bool("emails"), pii.bool("ips"), pii.bool("only-public-ips"),
        d.emailReplacements(), d.ipv4Replacements(), d.ipv6Replacements()));
  }

  private static LanguageFilter language(ConfigReader c) {
    return new LanguageFilter(new HashSet<>(c.strings("allowed")), c.doubleIn("min-score", 0, 1));
  }

  private static HarmfulContentFilter.Settings harmful(ConfigReader c) {
    return new HarmfulContentFilter.Settings(c.strings("domain-files"), c.strings("url-files"),
        c.strings("banned-url-word-files"), c.strings("banned-url-subword-files"),
        c.strings("soft-banned-url-word-files"), c.strings("text-word-files"),
        c.intIn("soft-banned-url-threshold", 1, 1000), c.bool("built-in-lists"));
  }

  private static HarmfulContentFilter loadHarmful(HarmfulContentFilter.Settings settings, Configuration hadoop) {
    try {
      return HarmfulContentFilter.load(settings, path -> {
        try {
          Path p = new Path(path);
          return p.getFileSystem(hadoop).open(p);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot open " + path, e);
        }
      });
    } catch (UncheckedIOException | IllegalArgumentException e) {
      throw new ConfigError("clean.harmful: cannot load a block list: " + e.getMessage(), e);
    }
  }

  private static GopherQualityFilter.Settings gopherQuality(ConfigReader c) {
    return new GopherQualityFilter.Settings(
        c.intIn("min-words", 0, Integer.MAX_VALUE), c.intIn("max-words", 1, Integer.MAX_VALUE),
        c.doubleIn("min-mean-word-length", 0, 1000), c.doubleIn("max-mean-word-length", 0, 1000),
        c.doubleIn("max-symbol-word-ratio", 0, 1000), c.doubleIn("max-bullet-lines-ratio", 0, 1),
        c.doubleIn("max-ellipsis-lines-ratio", 0, 1), c.doubleIn("min-alpha-words-ratio", 0, 1),
        c.intIn("min-stop-words", 0, 1000), new HashSet<>(c.strings("stop-words")));
  }

  private static GopherRepetitionFilter.Settings gopherRepetition(ConfigReader c) {
    return new GopherRepetitionFilter.Settings(
        c.doubleIn("max-dup-line-fraction", 0, 1), c.doubleIn("max-dup-paragraph-fraction", 0, 1),
        c.doubleIn("max-dup-line-char-fraction", 0, 1), c.doubleIn("max-dup-paragraph-char-fraction", 0, 1),
        nGramLimits(c, "top-ngram-char-fraction"), nGramLimits(c, "duplicate-ngram-char-fraction"));
  }

  /** A list like {@code [{n = 2, max = 0.20}, ...]}: a list, so users may add n-gram sizes freely. */
  private static List<GopherRepetitionFilter.NGramLimit> nGramLimits(ConfigReader c, String key) {
    List<GopherRepetitionFilter.NGramLimit> limits = new ArrayList<>();
    List<? extends com.typesafe.config.Config> entries;
    try {
      entries = c.raw().getConfigList(c.fullKey(key));
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigError(e.getMessage(), e);
    }
    for (com.typesafe.config.Config entry : entries) {
      ConfigReader limit = new ConfigReader(entry);
      if (!entry.root().keySet().equals(java.util.Set.of("n", "max"))) {
        throw c.error(key, "entries must have exactly the keys n and max, got " + entry.root().keySet());
      }
      limits.add(new GopherRepetitionFilter.NGramLimit(limit.intIn("n", 1, 100), limit.doubleIn("max", 0, 1)));
    }
    return limits;
  }

  private static C4QualityFilter.Settings c4(ConfigReader c) {
    return new C4QualityFilter.Settings(c.bool("remove-citations"), c.bool("filter-no-terminal-punct"),
        c.intIn("min-num-sentences", -1, 1_000_000), c.intIn("min-words-per-line", -1, 1_000_000),
        c.intIn("max-word-length", -1, 1_000_000), c.bool("filter-lorem-ipsum"), c.bool("filter-javascript"),
        c.bool("filter-curly-bracket"), c.bool("filter-policy"));
  }

  private static FineWebQualityFilter.Settings fineweb(ConfigReader c) {
    return new FineWebQualityFilter.Settings(c.doubleIn("min-line-punct-ratio", 0, 1),
        c.bool("line-punct-exclude-zero"), c.doubleIn("max-short-line-ratio", 0, 1),
        c.intIn("short-line-length", 0, 1_000_000), c.doubleIn("max-char-dup-ratio", 0, 1),
        c.doubleIn("max-newline-ratio", 0, 1000));
  }

  static Map<String, Object> describe(Spec spec) {
    return Map.of("language", spec.language() != null, "harmful", spec.harmful() != null,
        "gopher_quality", spec.gopherQuality() != null, "gopher_repetition", spec.gopherRepetition() != null,
        "c4", spec.c4() != null, "fineweb", spec.fineweb() != null);
  }
}

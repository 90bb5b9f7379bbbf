package io.llmforge.jobs;

import io.llmforge.dedup.TextCorpora;
import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Real English text from the shared data folder as a documents table ({@code doc_id}, {@code text}, {@code source}),
 * the input a benchmark pretrains on: Wikipedia, C4, State of the Union addresses, cleaned Common Crawl
 * ({@link TextCorpora}), Shakespeare and WikiText-2. Europarl is left out: twenty languages of parliament text would
 * crowd a small English model. Long texts are cut at paragraph breaks into documents of about
 * {@link #DOCUMENT_CHARS} characters, so the tokenize job's per-document train/val split has many units to split.
 */
final class BenchCorpus {
  static final String DOCUMENTS = "documents";
  static final int DOCUMENT_CHARS = 4000;
  private static final StructType SCHEMA = new StructType()
      .add("doc_id", DataTypes.StringType, false)
      .add("text", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, false);

  private BenchCorpus() {}

  /** Writes {@code out/documents} (skipped when {@code out} is finished); returns the documents path. */
  static String write(SparkSession spark, Path textDir, Path out) {
    String documents = out.resolve(DOCUMENTS).toString();
    if (AtomicOutput.isComplete(spark.sparkContext().hadoopConfiguration(), out.toString())) {
      return documents;
    }
    List<TextCorpora.Text> texts = new ArrayList<>(TextCorpora.load(textDir));
    texts.removeIf(t -> t.source().equals("europarl"));
    addFile(texts, "shakespeare", textDir.resolve("tinyshakespeare.txt"));
    addFile(texts, "wikitext-2", textDir.resolve("wikitext-2/valid.txt"));
    addFile(texts, "wikitext-2", textDir.resolve("wikitext-2/test.txt"));
    List<Row> rows = new ArrayList<>();
    Map<String, Long> chars = new LinkedHashMap<>();
    for (TextCorpora.Text t : texts) {
      for (String doc : chunks(t.text(), DOCUMENT_CHARS)) {
        rows.add(RowFactory.create(Sha256.hex(t.source() + "\n" + rows.size()), doc, t.source()));
        chars.merge(t.source(), (long) doc.length(), Long::sum);
      }
    }
    AtomicOutput output = AtomicOutput.begin(spark.sparkContext().hadoopConfiguration(), out.toString(), true);
    try {
      spark.createDataFrame(rows, SCHEMA).repartition(4).write().parquet(output.stagingPath(DOCUMENTS));
      output.commit(new JobStats().put("documents", rows.size()).put("chars_by_source", chars).toJson());
    } catch (RuntimeException e) {
      output.abort();
      throw e;
    }
    return documents;
  }

  /** Paragraph-aligned pieces of at most about {@code size} characters (a longer paragraph stays whole). */
  static List<String> chunks(String text, int size) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String paragraph : text.split("\n\\s*\n")) {
      if (current.length() > 0 && current.length() + paragraph.length() > size) {
        out.add(current.toString());
        current.setLength(0);
      }
      if (current.length() > 0) {
        current.append("\n\n");
      }
      current.append(paragraph.strip());
    }
    if (!current.toString().isBlank()) {
      out.add(current.toString());
    }
    return out;
  }

  private static void addFile(List<TextCorpora.Text> texts, String source, Path file) {
    if (!Files.isRegularFile(file)) {
      return;
    }
    try {
      texts.add(new TextCorpora.Text(source, Files.readString(file, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}

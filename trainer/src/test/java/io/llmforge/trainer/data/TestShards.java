package io.llmforge.trainer.data;

import io.llmforge.pipeline.shards.ShardManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Writes a small shards folder (Parquet with Spark's three-level list layout, plus manifest.json) without Spark:
 * row {@code r} of the split holds ids {@code r, r+1, ...} modulo the vocabulary, so tests can tell rows apart.
 */
public final class TestShards {
  public static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
      "message spark_schema { required group tokens (LIST) { repeated group list { required int32 element; } } }");

  private TestShards() {}

  /** @param rowsPerShard rows of each train shard; the val split gets one shard of 3 rows */
  public static ShardManifest write(Path folder, int seqLen, int vocab, int... rowsPerShard) throws IOException {
    Configuration conf = new Configuration();
    List<ShardManifest.Shard> shards = new ArrayList<>();
    long row = 0;
    for (int s = 0; s < rowsPerShard.length; s++) {
      String file = "train/shard-" + String.format("%05d", s) + ".parquet";
      writeShard(folder.resolve(file), conf, row, rowsPerShard[s], seqLen + 1, vocab);
      shards.add(new ShardManifest.Shard(ShardManifest.TRAIN, file, rowsPerShard[s], "unused"));
      row += rowsPerShard[s];
    }
    writeShard(folder.resolve("val/shard-00000.parquet"), conf, 1000, 3, seqLen + 1, vocab);
    shards.add(new ShardManifest.Shard(ShardManifest.VAL, "val/shard-00000.parquet", 3, "unused"));
    ShardManifest manifest = new ShardManifest(ShardManifest.FORMAT, "test", vocab, 0, seqLen, seqLen + 1, 1, 0.1,
        Map.of(), "source", List.of(), shards);
    Files.writeString(folder.resolve(ShardManifest.FILE), manifest.toJson(), StandardCharsets.UTF_8);
    return manifest;
  }

  /** First id of global train row {@code r}. */
  public static int firstId(long r, int vocab) {
    return (int) (r % vocab);
  }

  private static void writeShard(Path file, Configuration conf, long firstRow, int rows, int length, int vocab)
      throws IOException {
    Files.createDirectories(file.getParent());
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toString()))
        .withConf(conf).withType(SCHEMA).build()) {
      for (long r = firstRow; r < firstRow + rows; r++) {
        Group g = groups.newGroup();
        Group list = g.addGroup("tokens");
        for (int i = 0; i < length; i++) {
          list.addGroup("list").append("element", (int) ((r + i) % vocab));
        }
        writer.write(g);
      }
    }
  }
}

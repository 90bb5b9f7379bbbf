package io.llmforge.pipeline.shards;

import io.llmforge.pipeline.tokenizer.IntList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Reads the {@code tokens} rows of one shard file without Spark (the trainer's data loader), straight into
 * {@code int[]} with parquet-hadoop's record reader: only the {@code tokens} column is decoded, no row objects
 * in between. Checks that every row has the manifest's length. Not thread-safe; close it.
 */
public final class ShardReader implements Iterator<int[]>, AutoCloseable {
  public static final String TOKENS = "tokens";

  private final ParquetReader<int[]> reader;
  private final String path;
  private final int rowLength;
  private int[] next;
  private long rowsRead;

  /** @param rowLength the manifest's {@code row_length}; 0 accepts any length */
  public ShardReader(Configuration conf, String path, int rowLength) {
    this.path = path;
    this.rowLength = rowLength;
    try {
      this.reader = ParquetReader.builder(new TokensReadSupport(), new Path(path)).withConf(conf).build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open shard " + path, e);
    }
  }

  @Override
  public boolean hasNext() {
    if (next == null) {
      try {
        next = reader.read();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read shard " + path + " after row " + rowsRead, e);
      }
      if (next != null && rowLength > 0 && next.length != rowLength) {
        throw new IllegalStateException(path + " row " + rowsRead + " has " + next.length + " ids, expected "
            + rowLength);
      }
    }
    return next != null;
  }

  @Override
  public int[] next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    int[] row = next;
    next = null;
    rowsRead++;
    return row;
  }

  @Override
  public void close() {
    try {
      reader.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close shard " + path, e);
    }
  }

  /** Projects the file to its {@code tokens} column and materialises each record as {@code int[]}. */
  private static final class TokensReadSupport extends ReadSupport<int[]> {
    @Override
    public ReadContext init(InitContext context) {
      MessageType file = context.getFileSchema();
      if (!file.containsField(TOKENS)) {
        throw new IllegalArgumentException("not a token shard: no '" + TOKENS + "' column in " + file);
      }
      return new ReadContext(new MessageType(file.getName(), file.getType(TOKENS)));
    }

    @Override
    public RecordMaterializer<int[]> prepareForRead(Configuration conf, Map<String, String> metadata,
        MessageType fileSchema, ReadContext context) {
      IntList ids = new IntList(1024);
      GroupConverter root = new Collector(context.getRequestedSchema(), ids, true);
      return new RecordMaterializer<>() {
        @Override
        public int[] getCurrentRecord() {
          return ids.toArray();
        }

        @Override
        public GroupConverter getRootConverter() {
          return root;
        }
      };
    }
  }

  /**
   * Appends every int32 below a group, whatever the list encoding (Spark's three-level
   * {@code tokens.list.element} or a bare repeated int32).
   */
  private static final class Collector extends GroupConverter {
    private final Converter[] children;
    private final IntList sink;
    private final boolean root;

    Collector(GroupType type, IntList sink, boolean root) {
      this.sink = sink;
      this.root = root;
      children = new Converter[type.getFieldCount()];
      for (int i = 0; i < children.length; i++) {
        Type field = type.getType(i);
        children[i] = field.isPrimitive() ? new PrimitiveConverter() {
          @Override
          public void addInt(int value) {
            sink.add(value);
          }
        } : new Collector(field.asGroupType(), sink, false);
      }
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return children[fieldIndex];
    }

    @Override
    public void start() {
      if (root) {
        sink.clear(); // a new record begins
      }
    }

    @Override
    public void end() {}
  }
}

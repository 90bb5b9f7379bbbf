package io.llmforge.pipeline.spark;

import io.llmforge.pipeline.ingest.InputItem;
import io.llmforge.pipeline.ingest.ReadFailure;
import io.llmforge.pipeline.ingest.ReadOptions;
import io.llmforge.pipeline.ingest.SourceIterator;
import io.llmforge.pipeline.ingest.Sources;
import java.io.IOException;
import io.llmforge.pipeline.ingest.RangeOpener;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.util.LongAccumulator;

/**
 * Executor side of reading: one input file in, its items streamed out (never the whole file in memory).
 * A file that cannot even be opened is one {@code unreadable_file} failure, never a task failure.
 */
public final class ReadInputs implements FlatMapFunction<InputFile, InputItem> {
  private final SerializableHadoopConf conf;
  private final ReadOptions options;
  private final LongAccumulator skippedRecords;

  public ReadInputs(SerializableHadoopConf conf, ReadOptions options, LongAccumulator skippedRecords) {
    this.conf = conf;
    this.options = options;
    this.skippedRecords = skippedRecords;
  }

  @Override
  public Iterator<InputItem> call(InputFile file) {
    FileSystem fs;
    Path path = new Path(file.path());
    try {
      fs = path.getFileSystem(conf.get());
    } catch (IOException | RuntimeException e) {
      return List.<InputItem>of(new ReadFailure(file.path(), 0, null,
          "unreadable_file: " + e.getClass().getSimpleName() + " " + e.getMessage())).iterator();
    }
    RangeOpener opener = offset -> {
      FSDataInputStream in = fs.open(path);
      if (offset > 0) {
        in.seek(offset);
      }
      return in;
    };
    return new ClosingIterator(Sources.open(file.path(), file.format(), opener, options));
  }

  /** Closes the file as soon as its last item has been handed out. */
  private final class ClosingIterator implements Iterator<InputItem> {
    private final SourceIterator source;
    private boolean open = true;

    ClosingIterator(SourceIterator source) {
      this.source = source;
    }

    @Override
    public boolean hasNext() {
      if (!open) {
        return false;
      }
      if (source.hasNext()) {
        return true;
      }
      open = false;
      skippedRecords.add(source.skippedRecords());
      try {
        source.close();
      } catch (IOException e) {
        // Everything was read; a failure to close changes nothing in the output.
      }
      return false;
    }

    @Override
    public InputItem next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return source.next();
    }
  }
}

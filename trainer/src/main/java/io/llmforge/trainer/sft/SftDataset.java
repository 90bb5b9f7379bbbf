package io.llmforge.trainer.sft;

import io.llmforge.pipeline.tokenizer.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/**
 * One split of an {@code sft-prepare} output, in memory: SFT sets are thousands to a few hundred thousand
 * conversations (a few hundred MB at most), and holding them lets every epoch visit them in a fresh seeded order.
 * Every file is checked against the manifest's SHA-256 and row count first.
 */
public final class SftDataset {

  /** One rendered conversation: ids and the loss mask ({@code mask[i] == 1}: {@code tokens[i]} is a target). */
  public record Example(int[] tokens, byte[] mask) {
    public Example {
      if (tokens.length != mask.length || tokens.length < 2) {
        throw new IllegalArgumentException("an example needs tokens and mask of the same length >= 2, got "
            + tokens.length + " and " + mask.length);
      }
    }

    public int targets() {
      int n = 0;
      for (byte b : mask) {
        n += b;
      }
      return n;
    }
  }

  private SftDataset() {}

  /** The examples of {@code split}, in file order. */
  public static List<Example> load(Configuration conf, String folder, SftManifest manifest, String split) {
    return read(conf, folder, manifest.filesOf(split), "sft-prepare",
        g -> new Example(ints(g, "tokens"), bytes(g, "loss_mask")));
  }

  /**
   * The rows of Parquet files listed in a manifest, in file order, each file first checked against its SHA-256 and
   * then its row count; {@code job} is the job to run again when one does not match.
   */
  public static <T> List<T> read(Configuration conf, String folder, List<SftManifest.DataFile> files, String job,
      Function<Group, T> row) {
    List<T> out = new ArrayList<>();
    for (SftManifest.DataFile f : files) {
      Path p = new Path(folder, f.file());
      try (InputStream in = p.getFileSystem(conf).open(p)) {
        String sha = Sha256.hex(in);
        if (!sha.equals(f.sha256())) {
          throw new IllegalStateException(p + " does not match its sha256 in " + SftManifest.FILE
              + " (corrupt or replaced); run " + job + " again");
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + p, e);
      }
      long before = out.size();
      try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), p).withConf(conf).build()) {
        for (Group g; (g = reader.read()) != null; ) {
          out.add(row.apply(g));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + p, e);
      }
      if (out.size() - before != f.rows()) {
        throw new IllegalStateException(p + " has " + (out.size() - before) + " rows, the manifest says " + f.rows());
      }
    }
    return out;
  }

  /** A Spark-written array column: {@code column.list[i].element}. */
  public static int[] ints(Group g, String column) {
    Group list = g.getGroup(column, 0);
    int n = list.getFieldRepetitionCount("list");
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = list.getGroup("list", i).getInteger("element", 0);
    }
    return out;
  }

  private static byte[] bytes(Group g, String column) {
    int[] v = ints(g, column);
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }
}

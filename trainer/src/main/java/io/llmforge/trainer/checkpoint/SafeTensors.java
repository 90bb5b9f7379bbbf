package io.llmforge.trainer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Hugging Face's safetensors format, written and read here (it is a few lines, and the Java libraries for it are
 * either unmaintained or bring a native runtime): 8 bytes little-endian header length N, N bytes of JSON
 * {@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}}, then the
 * tensors' raw little-endian bytes, offsets relative to the end of the header. F32 and F64 are supported (what the
 * engine trains in). Every inconsistency of a file (short header, offsets outside the file, sizes that do not match
 * shapes, a truncated tail) is a {@link CorruptCheckpointException} naming the file.
 */
public final class SafeTensors {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String METADATA = "__metadata__";
  private static final long MAX_HEADER = 100L << 20;

  private SafeTensors() {}

  /** The tensors of a file (in file order) and its metadata. */
  public record Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {}

  public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata)
      throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode m = header.putObject(METADATA);
      metadata.forEach(m::put);
    }
    long offset = 0;
    for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
      INDArray a = e.getValue();
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", code(a.dataType(), e.getKey()));
      var shape = t.putArray("shape");
      for (long d : a.shape()) {
        shape.add(d);
      }
      long bytes = a.length() * a.dataType().width();
      t.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    int pad = (8 - json.length % 8) % 8; // the format allows trailing spaces; aligned data is friendlier to mmap
    try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length + pad);
      out.write(len.array());
      out.write(json);
      for (int i = 0; i < pad; i++) {
        out.write(' ');
      }
      if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
        throw new IOException("big-endian hosts are not supported"); // ND4J ships for x86-64 and arm64 only
      }
      byte[] chunk = new byte[1 << 20];
      for (INDArray a : tensors.values()) {
        INDArray c = a.isView() || a.ordering() != 'c' ? a.dup('c') : a;
        ByteBuffer src = c.data().asNio().duplicate();
        long start = c.offset() * c.dataType().width();
        src.position((int) start).limit((int) (start + c.length() * c.dataType().width()));
        while (src.hasRemaining()) {
          int n = Math.min(chunk.length, src.remaining());
          src.get(chunk, 0, n);
          out.write(chunk, 0, n);
        }
        if (c != a) {
          c.close();
        }
      }
    }
  }

  /** A tensor as a file's header declares it: its dtype code ({@code F32}, ...) and shape. */
  public record TensorInfo(String dtype, long[] shape) {}

  /**
   * The tensors a file's header declares, by name in file order, without reading them: what a checkpoint holds,
   * cheaply, however large it is.
   */
  public static Map<String, TensorInfo> tensorInfo(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Map<String, TensorInfo> infos = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = header(ch, file).json().fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getKey().equals(METADATA)) {
          JsonNode shapeNode = e.getValue().path("shape");
          long[] shape = new long[shapeNode.size()];
          for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
          }
          infos.put(e.getKey(), new TensorInfo(e.getValue().path("dtype").asText(), shape));
        }
      }
      return infos;
    }
  }

  /** A file's parsed JSON header, and where the tensor data starts (the offsets are relative to it). */
  private record Header(JsonNode json, long dataStart) {}

  private static Header header(FileChannel ch, Path file) throws IOException {
    long size = ch.size();
    if (size < 8) {
      throw new CorruptCheckpointException(file, "is " + size + " bytes, shorter than a safetensors header");
    }
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, len, 0, file);
    long n = len.getLong(0);
    if (n <= 0 || n > MAX_HEADER || 8 + n > size) {
      throw new CorruptCheckpointException(file, "has a header length of " + n + " bytes in a file of " + size);
    }
    ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
    readFully(ch, headerBytes, 8, file);
    try {
      return new Header(JSON.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8).strip()), 8 + n);
    } catch (IOException e) {
      throw new CorruptCheckpointException(file, "has an unreadable JSON header: " + e.getMessage());
    }
  }

  /** Reads every tensor (as an array of the file's dtype). */
  public static Contents read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      Header parsed = header(ch, file);
      JsonNode header = parsed.json();
      long dataStart = parsed.dataStart();
      long dataSize = size - dataStart;
      Map<String, INDArray> tensors = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      long expectedEnd = 0;
      for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals(METADATA)) {
          e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
          continue;
        }
        JsonNode t = e.getValue();
        DataType dt = dataType(t.path("dtype").asText(), file, e.getKey());
        JsonNode shapeNode = t.path("shape");
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
          shape[i] = shapeNode.get(i).asLong();
          elements *= shape[i];
        }
        long begin = t.path("data_offsets").path(0).asLong(-1);
        long end = t.path("data_offsets").path(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataSize || end - begin != elements * dt.width()) {
          throw new CorruptCheckpointException(file, "tensor " + e.getKey() + " has data_offsets [" + begin + ", "
              + end + "] for " + elements + " x " + dt.width() + " bytes in " + dataSize + " bytes of data"
              + (end > dataSize ? " (the file is truncated)" : ""));
        }
        expectedEnd = Math.max(expectedEnd, end);
        ByteBuffer raw = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, raw, dataStart + begin, file);
        raw.flip();
        INDArray a;
        if (dt == DataType.FLOAT) {
          float[] v = new float[(int) elements];
          raw.asFloatBuffer().get(v);
          a = Nd4j.create(v, shape, 'c');
        } else {
          double[] v = new double[(int) elements];
          raw.asDoubleBuffer().get(v);
          a = Nd4j.create(v, shape, 'c');
        }
        tensors.put(e.getKey(), a);
      }
      if (expectedEnd != dataSize) {
        throw new CorruptCheckpointException(file, "has " + dataSize + " bytes of tensor data, the header describes "
            + expectedEnd);
      }
      return new Contents(tensors, metadata);
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer into, long position, Path file) throws IOException {
    long at = position;
    while (into.hasRemaining()) {
      int n = ch.read(into, at);
      if (n < 0) {
        throw new CorruptCheckpointException(file, "ends early (truncated)");
      }
      at += n;
    }
  }

  private static String code(DataType dt, String name) {
    return switch (dt) {
      case FLOAT -> "F32";
      case DOUBLE -> "F64";
      default -> throw new IllegalArgumentException("tensor " + name + ": dtype " + dt + " is not supported");
    };
  }

  private static DataType dataType(String code, Path file, String name) throws CorruptCheckpointException {
    return switch (code) {
      case "F32" -> DataType.FLOAT;
      case "F64" -> DataType.DOUBLE;
      default -> throw new CorruptCheckpointException(file, "tensor " + name + " has dtype '" + code
          + "' (this reader takes F32 and F64)");
    };
  }
}

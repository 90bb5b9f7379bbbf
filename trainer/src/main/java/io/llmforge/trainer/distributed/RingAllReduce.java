package io.llmforge.trainer.distributed;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Ring all-reduce over plain TCP between the workers of one data-parallel run (the algorithm of Baidu's ring
 * all-reduce and Horovod): worker {@code r} sends to worker {@code r + 1} and receives from worker {@code r - 1}
 * (mod n). An array of {@code N} floats is cut into n chunks; n - 1 reduce-scatter steps leave each worker with the
 * complete sum of one chunk, and n - 1 all-gather steps copy every complete chunk to every worker. Each worker sends
 * and receives {@code 2 (n - 1) / n * N} floats per call, whatever n is, and every complete chunk is summed once, by
 * its owner, in ring order, then copied as is: all workers end with bit-identical sums.
 *
 * <p>Setting up: every worker first {@link #listen}s, the addresses are exchanged out of band (Spark's barrier
 * {@code allGather}), then every worker {@link #connect}s to its successor and accepts its predecessor. Sending and
 * receiving overlap (a sender thread), so chunks larger than the socket buffers cannot deadlock the ring.
 *
 * <p>A worker that fails closes its sockets; its neighbours then fail on their next read, and so on around the
 * ring, so one failure ends the whole group quickly instead of leaving workers waiting for the timeout.
 */
public final class RingAllReduce implements WorkerGroup {
  private static final int MAGIC = 0x4c4d4652; // "LMFR"
  private static final int HEADER_BYTES = 8;

  private final int rank;
  private final int size;
  private final Socket toNext;
  private final Socket fromPrevious;
  private final DataOutputStream out;
  private final DataInputStream in;
  private final ExecutorService sender;
  private byte[] sendBuffer = new byte[0];
  private byte[] receiveBuffer = new byte[0];
  private float[] received = new float[0];

  private RingAllReduce(int rank, int size, Socket toNext, Socket fromPrevious) throws IOException {
    this.rank = rank;
    this.size = size;
    this.toNext = toNext;
    this.fromPrevious = fromPrevious;
    this.out = new DataOutputStream(new BufferedOutputStream(toNext.getOutputStream(), 1 << 16));
    this.in = new DataInputStream(new BufferedInputStream(fromPrevious.getInputStream(), 1 << 16));
    this.sender = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "ring-all-reduce-sender-" + rank);
      t.setDaemon(true);
      return t;
    });
  }

  /** A listening socket on {@code host} (an ephemeral port), to be advertised to the other workers. */
  public static ServerSocket listen(String host) {
    try {
      return new ServerSocket(0, 8, InetAddress.getByName(host));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host, e);
    }
  }

  /**
   * Joins the ring: connects to the successor's address and accepts the predecessor on {@code server} (closed on
   * return). {@code timeout} bounds the set-up and every later wait for the predecessor's data, so it must exceed
   * the longest pause between two collective calls (rank 0 writing a checkpoint, say).
   *
   * @param addresses every worker's listening address, indexed by rank
   */
  public static RingAllReduce connect(int rank, List<InetSocketAddress> addresses, ServerSocket server,
      Duration timeout) {
    int size = addresses.size();
    if (size < 2 || rank < 0 || rank >= size) {
      throw new IllegalArgumentException("a ring needs at least 2 workers and 0 <= rank < size, got rank " + rank
          + " of " + size);
    }
    int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    Socket toNext = null;
    Socket fromPrevious = null;
    try (server) {
      InetSocketAddress next = addresses.get((rank + 1) % size);
      toNext = connectWithRetry(next, timeout);
      toNext.setTcpNoDelay(true);
      DataOutputStream hello = new DataOutputStream(toNext.getOutputStream());
      hello.writeInt(MAGIC);
      hello.writeInt(rank);
      hello.writeInt(size);
      hello.flush();

      server.setSoTimeout(timeoutMillis);
      fromPrevious = server.accept();
      fromPrevious.setSoTimeout(timeoutMillis);
      fromPrevious.setTcpNoDelay(true);
      DataInputStream greeting = new DataInputStream(fromPrevious.getInputStream());
      int magic = greeting.readInt();
      int peer = greeting.readInt();
      int peerSize = greeting.readInt();
      int expected = (rank - 1 + size) % size;
      if (magic != MAGIC || peer != expected || peerSize != size) {
        throw new IOException("worker " + rank + " expected worker " + expected + " of " + size
            + " to connect, got magic " + Integer.toHexString(magic) + " rank " + peer + " of " + peerSize);
      }
      return new RingAllReduce(rank, size, toNext, fromPrevious);
    } catch (IOException e) {
      closeQuietly(toNext);
      closeQuietly(fromPrevious);
      throw new UncheckedIOException("worker " + rank + " of " + size + " cannot join the ring " + addresses, e);
    }
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public void average(float[] values) {
    sum(values);
    for (int i = 0; i < values.length; i++) {
      values[i] /= size;
    }
  }

  /** Replaces {@code values} by their element-wise sum over all workers (bit-identical on every worker). */
  public void sum(float[] values) {
    try {
      for (int step = 0; step < size - 1; step++) { // reduce-scatter
        int send = Math.floorMod(rank - step, size);
        int receive = Math.floorMod(rank - step - 1, size);
        Future<?> sent = sendAsync(values, send);
        float[] incoming = receive(values.length, receive);
        int from = start(values.length, receive);
        for (int i = 0, n = length(values.length, receive); i < n; i++) {
          values[from + i] = incoming[i] + values[from + i];
        }
        await(sent);
      }
      for (int step = 0; step < size - 1; step++) { // all-gather
        int send = Math.floorMod(rank + 1 - step, size);
        int receive = Math.floorMod(rank - step, size);
        Future<?> sent = sendAsync(values, send);
        float[] incoming = receive(values.length, receive);
        System.arraycopy(incoming, 0, values, start(values.length, receive), length(values.length, receive));
        await(sent);
      }
    } catch (IOException e) {
      close(); // so the neighbours fail now rather than at their timeout
      throw new UncheckedIOException("worker " + rank + " of " + size + ": all-reduce failed", e);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public void close() {
    sender.shutdownNow();
    closeQuietly(toNext);
    closeQuietly(fromPrevious);
  }

  // ---- chunks: chunk c of an array of n values is [c * n / size, (c + 1) * n / size) ----

  private int start(int n, int chunk) {
    return (int) ((long) chunk * n / size);
  }

  private int length(int n, int chunk) {
    return start(n, chunk + 1) - start(n, chunk);
  }

  /** Each chunk travels with the array length and its index, so mismatched calls fail loudly, never silently. */
  private Future<?> sendAsync(float[] values, int chunk) {
    int from = start(values.length, chunk);
    int n = length(values.length, chunk);
    int bytes = HEADER_BYTES + 4 * n;
    if (sendBuffer.length < bytes) {
      sendBuffer = new byte[bytes];
    }
    byte[] buffer = sendBuffer;
    return sender.submit(() -> {
      ByteBuffer b = ByteBuffer.wrap(buffer, 0, bytes);
      b.putInt(values.length).putInt(chunk);
      b.asFloatBuffer().put(values, from, n);
      out.write(buffer, 0, bytes);
      out.flush();
      return null;
    });
  }

  private float[] receive(int n, int chunk) throws IOException {
    int count = length(n, chunk);
    int bytes = HEADER_BYTES + 4 * count;
    if (receiveBuffer.length < bytes) {
      receiveBuffer = new byte[bytes];
    }
    if (received.length < count) {
      received = new float[count];
    }
    try {
      in.readFully(receiveBuffer, 0, bytes);
    } catch (SocketTimeoutException e) {
      throw new IOException("worker " + rank + " waited too long for worker " + Math.floorMod(rank - 1, size), e);
    }
    ByteBuffer b = ByteBuffer.wrap(receiveBuffer, 0, bytes);
    int peerLength = b.getInt();
    int peerChunk = b.getInt();
    if (peerLength != n || peerChunk != chunk) {
      throw new IOException("worker " + rank + " expected chunk " + chunk + " of an array of " + n
          + " values, worker " + Math.floorMod(rank - 1, size) + " sent chunk " + peerChunk + " of " + peerLength);
    }
    b.asFloatBuffer().get(received, 0, count);
    return received;
  }

  private static void await(Future<?> sent) throws IOException {
    try {
      sent.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while sending", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }

  private static Socket connectWithRetry(InetSocketAddress address, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Socket socket = new Socket();
      try {
        socket.connect(address, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
        return socket;
      } catch (IOException e) {
        socket.close();
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while connecting to " + address, interrupted);
        }
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing after a failure: the first error is the one reported
      }
    }
  }
}

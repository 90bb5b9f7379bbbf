package io.llmforge.trainer.serve;

import com.sun.net.httpserver.HttpExchange;
import io.llmforge.trainer.generate.Sampler;
import io.llmforge.trainer.serve.CompletionRequest.Kind;
import io.llmforge.trainer.serve.GenerationEvent.Done;
import io.llmforge.trainer.serve.GenerationEvent.Failed;
import io.llmforge.trainer.serve.GenerationEvent.Finished;
import io.llmforge.trainer.serve.GenerationEvent.Text;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}, on an HTTP thread: parse and validate, turn the
 * request into prompt ids, check the context, queue a {@link Generation} (429 when the queue is full), then either
 * wait for it and answer one JSON body, or stream its events as server-sent events as they come.
 *
 * <p>The context. A sequence holds at most blockSize tokens and the server never slides the window, so every token
 * is predicted from the whole prompt: a prompt longer than the block is refused (400 context_length_exceeded), and
 * generation is capped so that the model never sees more than blockSize tokens (prompt + completion <= blockSize + 1,
 * the last token is never fed back); a choice cut there ends with finish_reason "length", as one that used up its
 * max_tokens. usage.completion_tokens counts every generated token, the stop token ({@code <|end|>}) included.
 */
final class CompletionsEndpoint {
  static final int MAX_BODY_BYTES = 4 << 20;
  private static final long POLL_SECONDS = 1;

  private final ServedModel model;
  private final Scheduler scheduler;
  private final RequestParser parser;
  private final int maxQueue;
  private final int maxTokens;
  private final AtomicLong clientsGone = new AtomicLong();

  CompletionsEndpoint(ServedModel model, Scheduler scheduler, int maxQueue, int maxTokens) {
    this.model = model;
    this.scheduler = scheduler;
    this.maxQueue = maxQueue;
    this.maxTokens = maxTokens;
    this.parser = new RequestParser(new RequestParser.Limits(model.name(), scheduler.maxBatch(), maxTokens,
        model.vocabSize()));
  }

  /** Streams whose client disconnected before the end. */
  long clientsGone() {
    return clientsGone.get();
  }

  void handle(HttpExchange ex, Kind kind) throws IOException, InterruptedException {
    CompletionRequest request = parser.parse(kind, Http.body(ex, MAX_BODY_BYTES));
    int[] prompt = model.prompt(request);
    int block = model.blockSize();
    if (prompt.length > block) {
      throw ApiError.contextLengthExceeded(kind == Kind.CHAT ? "messages" : "prompt", "this model's context is "
          + block + " tokens, but the " + (kind == Kind.CHAT ? "messages come to " : "prompt has ") + prompt.length
          + " tokens; shorten them");
    }
    int room = block + 1 - prompt.length;
    int budget = Math.min(room, request.maxTokens() != null ? request.maxTokens() : maxTokens);
    long seed = request.seed() != null ? request.seed() : ThreadLocalRandom.current().nextLong();
    // the repetition penalty spares the stop ids (Generation): a chat prompt holds <|end|> after every turn
    Generation g = new Generation(prompt, request.n(), budget, model.stopIds(kind), request.stop(), request.sampler(),
        seed);
    if (!scheduler.submit(g)) {
      throw ApiError.queueFull(maxQueue);
    }
    OpenAiJson.Header header = new OpenAiJson.Header(kind, (kind == Kind.CHAT ? "chatcmpl-" : "cmpl-")
        + Long.toHexString(ThreadLocalRandom.current().nextLong()), Instant.now().getEpochSecond(), model.name());
    try {
      if (request.stream()) {
        stream(ex, g, header, request.includeUsage());
      } else {
        respond(ex, g, header);
      }
    } finally {
      g.cancel(); // a no-op after the end; after any failure here it frees the rows
    }
  }

  private void respond(HttpExchange ex, Generation g, OpenAiJson.Header h) throws IOException, InterruptedException {
    StringBuilder[] texts = new StringBuilder[g.choices];
    String[] reasons = new String[g.choices];
    for (int i = 0; i < g.choices; i++) {
      texts[i] = new StringBuilder();
    }
    while (true) {
      GenerationEvent e = g.next(POLL_SECONDS, TimeUnit.SECONDS);
      if (e instanceof Text t) {
        texts[t.choice()].append(t.text());
      } else if (e instanceof Finished f) {
        reasons[f.choice()] = f.reason();
      } else if (e instanceof Failed f) {
        throw f.error();
      } else if (e instanceof Done d) {
        List<String> out = new ArrayList<>();
        for (StringBuilder t : texts) {
          out.add(t.toString());
        }
        Http.json(ex, 200, OpenAiJson.completion(h, out, Arrays.asList(reasons), d.promptTokens(),
            d.completionTokens()));
        return;
      }
    }
  }

  private void stream(HttpExchange ex, Generation g, OpenAiJson.Header h, boolean includeUsage)
      throws InterruptedException {
    try {
      ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      ex.getResponseHeaders().set("Cache-Control", "no-cache");
      ex.sendResponseHeaders(200, 0); // chunked: every flush is sent at once
      SseWriter sse = new SseWriter(ex.getResponseBody());
      if (h.kind() == Kind.CHAT) {
        for (int i = 0; i < g.choices; i++) {
          sse.data(OpenAiJson.roleChunk(h, i));
        }
      }
      while (true) {
        GenerationEvent e = g.next(POLL_SECONDS, TimeUnit.SECONDS);
        if (e == null) {
          sse.keepAlive();
        } else if (e instanceof Text t) {
          sse.data(OpenAiJson.textChunk(h, t.choice(), t.text()));
        } else if (e instanceof Finished f) {
          sse.data(OpenAiJson.finishChunk(h, f.choice(), f.reason()));
        } else if (e instanceof Failed f) {
          sse.data(OpenAiJson.streamError(f.error())); // the status line is sent: the error travels as an event
          return;
        } else if (e instanceof Done d) {
          if (includeUsage) {
            sse.data(OpenAiJson.usageChunk(h, d.promptTokens(), d.completionTokens()));
          }
          sse.done();
          return;
        }
      }
    } catch (IOException gone) { // the client closed the connection: free its rows now
      g.cancel();
      clientsGone.incrementAndGet();
    }
  }
}

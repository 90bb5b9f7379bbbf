package io.llmforge.trainer.judge;

import io.llmforge.pipeline.rephrase.RephraseBackend;
import io.llmforge.trainer.sft.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Asks a judge about pairs of answers in both orders, in this process: what the online RL jobs' judge reward uses
 * (the judge job does the same at scale through Spark and a cache on disk). Each question goes out once: the
 * requests of a call are deduplicated, and replies are kept in memory by their key (model, prompts and everything
 * shown), since a group of sampled answers often repeats one and later rounds repeat earlier questions. A request
 * that failed for good is not kept, so it is asked again next time.
 */
public final class PairwiseJudge implements AutoCloseable {
  private static final int REPLIES_KEPT = 200_000;

  /** Two answers to one prompt. */
  public record Pair(List<Message> prompt, String a, String b) {}

  private final JudgeClientSettings settings;
  private final RephraseBackend backend;
  private final Map<String, String> replies = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > REPLIES_KEPT;
    }
  };
  private long questions;
  private long answeredFromMemory;
  private long sent;
  private long failed;

  /** The judge the settings name: the endpoint client, or the checkpoint (constrained or free). */
  public PairwiseJudge(JudgeClientSettings settings) {
    this(settings, CheckpointJudge.backends(settings.constrained()).create(settings.backendFor(1)));
  }

  PairwiseJudge(JudgeClientSettings settings, RephraseBackend backend) {
    this.settings = settings;
    this.backend = backend;
  }

  /** Each pair asked with a shown first, then b; one judgement per pair, in order. */
  public List<PairJudgement> judge(List<Pair> pairs) {
    JudgePrompt prompt = settings.prompt();
    String model = settings.model();
    List<RephraseBackend.Request[]> asked = new ArrayList<>(pairs.size());
    Map<String, RephraseBackend.Request> todo = new LinkedHashMap<>();
    for (Pair p : pairs) {
      RephraseBackend.Request ab = prompt.request(model, p.prompt(), p.a(), p.b());
      RephraseBackend.Request ba = prompt.request(model, p.prompt(), p.b(), p.a());
      asked.add(new RephraseBackend.Request[] {ab, ba});
      for (RephraseBackend.Request r : List.of(ab, ba)) {
        questions++;
        if (replies.containsKey(r.key())) {
          answeredFromMemory++;
        } else {
          todo.putIfAbsent(r.key(), r);
        }
      }
    }
    Map<String, String> fresh = new LinkedHashMap<>();
    List<RephraseBackend.Request> list = new ArrayList<>(todo.values());
    sent += list.size();
    for (int i = 0; i < list.size(); i += settings.batchSize()) {
      List<RephraseBackend.Request> batch = list.subList(i, Math.min(list.size(), i + settings.batchSize()));
      List<String> got = backend.rephrase(batch);
      for (int j = 0; j < batch.size(); j++) {
        String reply = got.get(j);
        if (reply == null) {
          failed++;
        } else {
          fresh.put(batch.get(j).key(), reply);
        }
      }
    }
    List<PairJudgement> out = new ArrayList<>(pairs.size());
    for (RephraseBackend.Request[] q : asked) {
      out.add(PairJudgement.of(Verdict.parse(reply(q[0].key(), fresh)), Verdict.parse(reply(q[1].key(), fresh))));
    }
    replies.putAll(fresh);
    return out;
  }

  private String reply(String key, Map<String, String> fresh) {
    String r = fresh.get(key);
    return r != null ? r : replies.get(key);
  }

  /**
   * Questions asked (two per pair), those answered from memory, those sent (each distinct question once), requests
   * that failed for good, and the backend's own counters (HTTP requests, retries...).
   */
  public Map<String, Long> counters() {
    Map<String, Long> c = new TreeMap<>(backend.counters());
    c.put("questions", questions);
    c.put("answered_from_memory", answeredFromMemory);
    c.put("sent", sent);
    c.put("failed_requests", failed);
    return c;
  }

  @Override
  public void close() {
    backend.close();
  }
}

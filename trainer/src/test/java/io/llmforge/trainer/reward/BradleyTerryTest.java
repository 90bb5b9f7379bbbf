package io.llmforge.trainer.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.engine.Parameters;
import io.llmforge.trainer.sft.ChatTemplate;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.TestTokenizers;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class BradleyTerryTest {

  @Test
  void lossAndGradientsMatchTheFormulaAndFiniteDifferences() {
    double[] c = {0.3, -1.2, 2.0};
    double[] r = {0.1, 0.4, -0.5};
    double[] m = {0.0, 0.5, 1.0};
    BradleyTerry.Result res = BradleyTerry.of(c, r, m, 0.01);
    double expected = 0;
    for (int i = 0; i < 3; i++) {
      expected += -Math.log(1 / (1 + Math.exp(-(c[i] - r[i] - m[i])))) + 0.01 * Math.pow(c[i] + r[i], 2);
    }
    assertEquals(expected, res.loss(), 1e-12);
    assertEquals(2, res.correct());
    double h = 1e-6;
    for (int i = 0; i < 3; i++) {
      double[] cp = c.clone();
      cp[i] += h;
      double[] cm = c.clone();
      cm[i] -= h;
      assertEquals((BradleyTerry.of(cp, r, m, 0.01).loss() - BradleyTerry.of(cm, r, m, 0.01).loss()) / (2 * h),
          res.dChosen()[i], 1e-7);
      double[] rp = r.clone();
      rp[i] += h;
      double[] rm = r.clone();
      rm[i] -= h;
      assertEquals((BradleyTerry.of(c, rp, m, 0.01).loss() - BradleyTerry.of(c, rm, m, 0.01).loss()) / (2 * h),
          res.dRejected()[i], 1e-7);
    }
    assertEquals(Math.log(2), BradleyTerry.of(new double[] {1e3}, new double[] {1e3}, null, 0).loss(), 1e-12,
        "no overflow on large rewards");
  }

  /** The reward model's backward (head and backbone) against central differences of its forward, in double. */
  @Test
  void rewardModelGradientsMatchFiniteDifferences() {
    ChatTemplate template = TestTokenizers.template();
    GptConfig config = new GptConfig(template.tokenizer().vocabSize(), 48, 2, 2, 16, 0, 3);
    GptEngine engine = RewardModel.newEngine(config, LoraSettings.NONE, DataType.DOUBLE);
    RewardModel model = new RewardModel(engine, template);
    List<Message> q = List.of(Message.user("What is the capital of France?"));
    List<int[]> rows = List.of(model.row(q, "Paris."), model.row(q, "The capital of France is Paris."),
        model.row(List.of(Message.user("Tell me a joke.")), "Why?"), model.row(q, "Bonjour."));
    Parameters p = engine.parameters();
    p.zeroGradients();
    double[] rewards = model.forward(rows);
    double[] dr = {0.7, -1.3, 0.4, 2.0}; // L = sum dr_i r_i
    model.backward(dr);
    Random random = new Random(5);
    for (String name : List.of("score.weight", "h.1.mlp.c_fc.weight", "h.0.attn.c_attn.weight", "wte.weight",
        "ln_f.bias")) {
      INDArray value = p.value(name).reshape(-1);
      INDArray grad = p.gradient(name).reshape(-1);
      for (int k = 0; k < 4; k++) {
        int i = random.nextInt((int) value.length());
        double x = value.getDouble(i);
        double h = 1e-5;
        value.putScalar(i, x + h);
        double up = dot(dr, model.forward(rows));
        value.putScalar(i, x - h);
        double down = dot(dr, model.forward(rows));
        value.putScalar(i, x);
        double numeric = (up - down) / (2 * h);
        assertEquals(numeric, grad.getDouble(i), 1e-6 + 1e-4 * Math.abs(numeric), name + "[" + i + "]");
      }
    }
    assertTrue(rewards.length == 4);
  }

  @Test
  void theRewardIsReadAtTheFinalEndWhateverThePadding() {
    ChatTemplate template = TestTokenizers.template();
    GptConfig config = new GptConfig(template.tokenizer().vocabSize(), 96, 1, 2, 16, 0, 3);
    RewardModel model = new RewardModel(RewardModel.newEngine(config, LoraSettings.NONE, DataType.DOUBLE), template);
    int[] shortRow = model.row(List.of(Message.user("Hi")), "Hello.");
    int[] longRow = model.row(List.of(Message.user("Tell me a joke, a long one please, with a chicken.")),
        "Why did the chicken cross the road? To get to the other side.");
    double alone = model.forward(List.of(shortRow))[0];
    double withLonger = model.forward(List.of(longRow, shortRow))[1];
    assertEquals(alone, withLonger, 1e-9, "padding to a longer row does not change a row's reward");
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}

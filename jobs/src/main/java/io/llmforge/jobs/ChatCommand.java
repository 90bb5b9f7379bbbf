package io.llmforge.jobs;

import io.llmforge.trainer.generate.Sampler;
import io.llmforge.trainer.sft.ChatSession;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code llmforge chat}: talk to a fine-tuned checkpoint with the chat template, answers streamed as they are
 * generated and ended at {@code <|end|>}. With {@code --prompt} it answers once; otherwise a REPL that keeps the
 * conversation ({@code /reset} forgets it, {@code /exit} or end of input leaves).
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
    description = "Chat with an SFT checkpoint (REPL, or one answer with --prompt); streams tokens as they come.")
final class ChatCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
      description = "An sft (or pretrain) run folder, or one step-N folder; LoRA adapters are merged on load.")
  Path checkpoint;

  @Option(names = "--prompt", description = "Answer this one message and exit.")
  String prompt;

  @Option(names = "--system", description = "A system message for the whole conversation.")
  String system;

  @Option(names = "--max-new-tokens", defaultValue = "256", description = "Longest answer, in tokens.")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0.7", description = "0 is greedy; higher is more random.")
  double temperature;

  @Option(names = "--top-k", defaultValue = "50", description = "Keep the k most likely tokens; 0 keeps all.")
  int topK;

  @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus sampling threshold; 1 keeps all.")
  double topP;

  @Option(names = "--repetition-penalty", defaultValue = "1.1", description = "1 is off.")
  double repetitionPenalty;

  @Option(names = "--seed", defaultValue = "1337", description = "Seeds the sampling.")
  long seed;

  @Override
  public Integer call() throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Sampler sampler = new Sampler(temperature, topK, topP).withRepetitionPenalty(repetitionPenalty);
    ChatSession chat = ChatSession.open(checkpoint, sampler, seed, system, System.err);
    if (prompt != null) {
      answer(chat, prompt, out);
      return 0;
    }
    out.println("chat: " + checkpoint + " (/reset forgets the conversation, /exit leaves)");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    while (true) {
      out.print("you> ");
      String line = in.readLine();
      if (line == null || line.strip().equals("/exit")) {
        return 0;
      }
      if (line.strip().equals("/reset")) {
        chat.reset();
        out.println("(conversation forgotten)");
      } else if (!line.isBlank()) {
        out.print("model> ");
        answer(chat, line, out);
      }
    }
  }

  private void answer(ChatSession chat, String message, PrintStream out) {
    ChatSession.Reply reply = chat.reply(message, maxNewTokens, out::print);
    out.println(reply.stopped() ? "" : " [... stopped at " + maxNewTokens + " tokens]");
  }
}

package io.llmforge.trainer.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConversationFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new AssertionError(e);
    }
  }

  /** Single quotes keep the JSON literals readable. */
  private static JsonNode row(String singleQuoted) {
    return json(singleQuoted.replace('\'', '"'));
  }

  private static String reason(ConversationFormat format, JsonNode row) {
    return assertThrows(BadConversation.class, () -> format.parse(row)).reason();
  }

  @Test
  void alpacaJoinsInstructionAndInputAndPutsHistoryFirst() throws BadConversation {
    JsonNode r = row("{'instruction': 'Translate', 'input': 'bonjour', 'output': 'hello', 'system': 'Be brief.',"
        + " 'history': [['hi', 'hello there'], ['how are you?', 'fine']]}");
    Conversation c = ConversationFormat.ALPACA.parse(r);
    assertEquals(List.of(Message.system("Be brief."),
        Message.user("hi"), Message.assistant("hello there"),
        Message.user("how are you?"), Message.assistant("fine"),
        Message.user("Translate\nbonjour"), Message.assistant("hello")), c.messages());
    assertEquals("Be brief.", c.system());
    assertEquals(6, c.turns().size());
  }

  @Test
  void alpacaWithoutInputOrWithBlankInputIsJustTheInstruction() throws BadConversation {
    for (String r : List.of("{'instruction': 'Say hi', 'output': 'hi'}",
        "{'instruction': 'Say hi', 'input': '', 'output': 'hi'}",
        "{'instruction': 'Say hi', 'input': null, 'output': 'hi', 'system': '', 'history': []}")) {
      Conversation c = ConversationFormat.ALPACA.parse(row(r));
      assertEquals(List.of(Message.user("Say hi"), Message.assistant("hi")), c.messages(), r);
      assertNull(c.system(), "a blank system is no system message: " + r);
    }
  }

  @Test
  void alpacaMissingOrMistypedFieldsAreMissingField() {
    assertEquals(BadConversation.MISSING_FIELD, reason(ConversationFormat.ALPACA, row("{'instruction': 'x'}")));
    assertEquals(BadConversation.MISSING_FIELD,
        reason(ConversationFormat.ALPACA, row("{'instruction': 'x', 'output': 3}")));
    assertEquals(BadConversation.MISSING_FIELD,
        reason(ConversationFormat.ALPACA, row("{'instruction': 'x', 'output': 'y', 'history': [['only one']]}")));
    assertEquals(BadConversation.MISSING_FIELD,
        reason(ConversationFormat.ALPACA, row("{'instruction': 'x', 'output': 'y', 'history': 'no'}")));
    assertEquals(BadConversation.MISSING_FIELD,
        reason(ConversationFormat.ALPACA, row("{'instruction': 'x', 'output': 'y', 'system': 1}")));
  }

  @Test
  void shareGptMapsSpeakersToRoles() throws BadConversation {
    JsonNode r = row("{'conversations': [{'from': 'system', 'value': 'S'}, {'from': 'human', 'value': 'q1'},"
        + " {'from': 'gpt', 'value': 'a1'}, {'from': 'Human', 'value': 'q2'}, {'from': 'GPT', 'value': 'a2'}]}");
    assertEquals(List.of(Message.system("S"), Message.user("q1"), Message.assistant("a1"), Message.user("q2"),
        Message.assistant("a2")), ConversationFormat.SHAREGPT.parse(r).messages());

    // A top-level system works too.
    JsonNode top = row("{'system': 'S', 'conversations': [{'from': 'user', 'value': 'q'},"
        + " {'from': 'assistant', 'value': 'a'}]}");
    assertEquals(List.of(Message.system("S"), Message.user("q"), Message.assistant("a")),
        ConversationFormat.SHAREGPT.parse(top).messages());
  }

  @Test
  void shareGptUnknownSpeakerIsUnknownRole() {
    JsonNode r = row("{'conversations': [{'from': 'narrator', 'value': 'once'}, {'from': 'gpt', 'value': 'a'}]}");
    assertEquals(BadConversation.UNKNOWN_ROLE, reason(ConversationFormat.SHAREGPT, r));
  }

  @Test
  void messagesFormat() throws BadConversation {
    JsonNode r = row("{'messages': [{'role': 'system', 'content': 'S'}, {'role': 'user', 'content': 'q'},"
        + " {'role': 'assistant', 'content': 'a'}]}");
    assertEquals(List.of(Message.system("S"), Message.user("q"), Message.assistant("a")),
        ConversationFormat.MESSAGES.parse(r).messages());
    JsonNode top = row("{'system': 'S', 'messages': [{'role': 'user', 'content': 'q'},"
        + " {'role': 'assistant', 'content': 'a'}]}");
    assertEquals(List.of(Message.system("S"), Message.user("q"), Message.assistant("a")),
        ConversationFormat.MESSAGES.parse(top).messages());
    assertEquals(BadConversation.UNKNOWN_ROLE, reason(ConversationFormat.MESSAGES,
        row("{'messages': [{'role': 'tool', 'content': 'q'}, {'role': 'assistant', 'content': 'a'}]}")));
    assertEquals(BadConversation.MISSING_FIELD, reason(ConversationFormat.MESSAGES, row("{'messages': 'q'}")));
    assertEquals(BadConversation.MISSING_FIELD, reason(ConversationFormat.MESSAGES,
        row("{'messages': [{'role': 'user'}, {'role': 'assistant', 'content': 'a'}]}")));
  }

  @Test
  void autoDetectsEachFormatFromItsKeys() throws BadConversation {
    JsonNode messages = row("{'messages': [{'role': 'user', 'content': 'q'}, {'role': 'assistant', 'content': 'a'}]}");
    JsonNode shareGpt = row("{'conversations': [{'from': 'human', 'value': 'q'}, {'from': 'gpt', 'value': 'a'}]}");
    JsonNode alpaca = row("{'instruction': 'q', 'output': 'a'}");
    assertSame(ConversationFormat.MESSAGES, ConversationFormat.detect(messages));
    assertSame(ConversationFormat.SHAREGPT, ConversationFormat.detect(shareGpt));
    assertSame(ConversationFormat.ALPACA, ConversationFormat.detect(alpaca));
    Conversation expected = new Conversation(List.of(Message.user("q"), Message.assistant("a")));
    for (JsonNode r : List.of(messages, shareGpt, alpaca)) {
      assertEquals(expected, ConversationFormat.AUTO.parse(r), r.toString());
    }
  }

  @Test
  void rowsOfNoKnownFormatAreUnknownFormat() {
    assertEquals(BadConversation.UNKNOWN_FORMAT, reason(ConversationFormat.AUTO, row("{'prompt': 'q', 'answer': 'a'}")));
    assertEquals(BadConversation.UNKNOWN_FORMAT, reason(ConversationFormat.AUTO, row("{}")));
    // An explicit format does not guess: an Alpaca row read as messages lacks its field.
    assertEquals(BadConversation.MISSING_FIELD,
        reason(ConversationFormat.MESSAGES, row("{'instruction': 'q', 'output': 'a'}")));
  }

  @Test
  void emptyAssistantIsItsOwnReason() {
    assertEquals(BadConversation.EMPTY_ASSISTANT,
        reason(ConversationFormat.AUTO, row("{'instruction': 'q', 'output': ''}")));
    assertEquals(BadConversation.EMPTY_ASSISTANT, reason(ConversationFormat.AUTO,
        row("{'messages': [{'role': 'user', 'content': 'q'}, {'role': 'assistant', 'content': '  \\n '}]}")));
    assertEquals(BadConversation.EMPTY_TURN, reason(ConversationFormat.AUTO,
        row("{'messages': [{'role': 'user', 'content': ' '}, {'role': 'assistant', 'content': 'a'}]}")));
  }

  @Test
  void aConversationEndingWithTheUserIsRejected() {
    assertEquals(BadConversation.NO_ASSISTANT_TURN, reason(ConversationFormat.AUTO,
        row("{'messages': [{'role': 'user', 'content': 'q'}]}")));
    assertEquals(BadConversation.TURN_ORDER, reason(ConversationFormat.AUTO, row("{'messages': ["
        + "{'role': 'user', 'content': 'q'}, {'role': 'assistant', 'content': 'a'}, {'role': 'user', 'content': 'q2'}]}")));
    assertEquals(BadConversation.NO_ASSISTANT_TURN, reason(ConversationFormat.AUTO,
        row("{'system': 'S', 'messages': []}")));
  }

  @Test
  void turnsMustAlternateStartingWithTheUser() {
    assertEquals(BadConversation.TURN_ORDER, reason(ConversationFormat.AUTO, row("{'messages': ["
        + "{'role': 'user', 'content': 'q'}, {'role': 'assistant', 'content': 'a'},"
        + " {'role': 'assistant', 'content': 'a2'}]}")));
    assertEquals(BadConversation.TURN_ORDER, reason(ConversationFormat.AUTO, row("{'messages': ["
        + "{'role': 'assistant', 'content': 'a'}, {'role': 'user', 'content': 'q'}]}")));
    // A system message anywhere but first.
    assertEquals(BadConversation.TURN_ORDER, reason(ConversationFormat.AUTO, row("{'messages': ["
        + "{'role': 'user', 'content': 'q'}, {'role': 'system', 'content': 'S'}, {'role': 'assistant', 'content': 'a'}]}")));
    // ShareGPT with two gpt turns in a row.
    assertEquals(BadConversation.TURN_ORDER, reason(ConversationFormat.AUTO, row("{'conversations': ["
        + "{'from': 'human', 'value': 'q'}, {'from': 'gpt', 'value': 'a'}, {'from': 'gpt', 'value': 'b'}]}")));
  }

  @Test
  void aRowThatIsNotAnObjectIsInvalidJson() {
    for (String text : List.of("[1, 2]", "\"text\"", "42", "null")) {
      assertEquals(BadConversation.INVALID_JSON, reason(ConversationFormat.AUTO, json(text)), text);
      assertEquals(BadConversation.INVALID_JSON, reason(ConversationFormat.ALPACA, json(text)), text);
    }
    assertEquals(BadConversation.INVALID_JSON, reason(ConversationFormat.AUTO, null));
  }

  @Test
  void fillReplacesPlaceholdersInEveryMessage() throws BadConversation {
    // LLaMA-Factory's identity rows.
    Conversation c = ConversationFormat.AUTO.parse(row("{'instruction': 'Who are you?',"
        + " 'output': 'I am {{name}}, an AI assistant developed by {{author}}. {{name}} is here.',"
        + " 'system': 'You are {{name}}.'}"));
    Conversation filled = c.fill(Map.of("name", "Forge", "author", "llmforge"));
    assertEquals(List.of(Message.system("You are Forge."), Message.user("Who are you?"),
        Message.assistant("I am Forge, an AI assistant developed by llmforge. Forge is here.")), filled.messages());
    // No placeholders configured: untouched; an unknown placeholder stays as written.
    assertSame(c, c.fill(Map.of()));
    assertEquals(c, c.fill(Map.of("other", "x")));
  }
}

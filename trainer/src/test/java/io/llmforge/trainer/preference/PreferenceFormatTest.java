package io.llmforge.trainer.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.trainer.sft.BadConversation;
import io.llmforge.trainer.sft.Message;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreferenceFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static PreferenceRow parse(String json) throws Exception {
    return PreferenceFormat.AUTO.parse(JSON.readTree(json));
  }

  private static String reason(String json) {
    return assertThrows(BadConversation.class, () -> parse(json)).reason();
  }

  @Test
  void hhRlhfPromptIsEverythingBeforeTheLastAssistantTurn() throws Exception {
    PreferenceRow.Pair p = (PreferenceRow.Pair) parse("{\"chosen\": \"\\n\\nHuman: hi\\n\\nAssistant: hello\\n\\n"
        + "Human: a joke?\\n\\nAssistant: Why did the chicken...\", \"rejected\": \"\\n\\nHuman: hi\\n\\nAssistant: "
        + "hello\\n\\nHuman: a joke?\\n\\nAssistant: No.\"}");
    assertEquals(List.of(Message.user("hi"), Message.assistant("hello"), Message.user("a joke?")), p.prompt());
    assertEquals("Why did the chicken...", p.chosen());
    assertEquals("No.", p.rejected());
    assertNull(p.createdAt());
  }

  @Test
  void hhRlhfConsecutiveTurnsOfOneSpeakerAreJoined() throws Exception {
    PreferenceRow.Pair p = (PreferenceRow.Pair) parse("{\"chosen\": \"\\n\\nHuman: hi\\n\\nAssistant: one\\n\\n"
        + "Assistant: two\\n\\nHuman: ok?\\n\\nAssistant: yes\", \"rejected\": \"\\n\\nHuman: hi\\n\\nAssistant: "
        + "one\\n\\nAssistant: two\\n\\nHuman: ok?\\n\\nAssistant: no\"}");
    assertEquals(List.of(Message.user("hi"), Message.assistant("one\n\ntwo"), Message.user("ok?")), p.prompt());
  }

  @Test
  void hhRlhfDialoguesThatDifferBeforeTheAnswerOrEndWithTheHumanAreMalformed() {
    assertEquals(PreferenceFormat.MALFORMED_DIALOGUE, reason("{\"chosen\": \"\\n\\nHuman: hi\\n\\nAssistant: a\", "
        + "\"rejected\": \"\\n\\nHuman: bye\\n\\nAssistant: b\"}"));
    assertEquals(PreferenceFormat.MALFORMED_DIALOGUE, reason("{\"chosen\": \"\\n\\nHuman: hi\\n\\nAssistant: a\\n\\n"
        + "Human: more\", \"rejected\": \"\\n\\nHuman: hi\\n\\nAssistant: b\"}"));
    assertEquals(PreferenceFormat.MALFORMED_DIALOGUE, reason("{\"chosen\": \"no turns\", \"rejected\": \"x\"}"));
    assertEquals(PreferenceFormat.EMPTY_ANSWER, reason("{\"chosen\": \"\\n\\nHuman: hi\\n\\nAssistant: \", "
        + "\"rejected\": \"\\n\\nHuman: hi\\n\\nAssistant: b\"}"));
  }

  @Test
  void llamaFactoryRankingAndKtoRows() throws Exception {
    PreferenceRow.Pair p = (PreferenceRow.Pair) parse("{\"conversations\": [{\"from\": \"human\", \"value\": \"Q\"}],"
        + " \"chosen\": {\"from\": \"gpt\", \"value\": \"good\"}, \"rejected\": {\"from\": \"gpt\", \"value\": "
        + "\"bad\"}}");
    assertEquals(List.of(Message.user("Q")), p.prompt());
    assertEquals("good", p.chosen());
    PreferenceRow.Unpaired u = (PreferenceRow.Unpaired) parse("{\"messages\": [{\"role\": \"user\", \"content\": "
        + "\"Q\"}, {\"role\": \"assistant\", \"content\": \"A\"}], \"label\": false}");
    assertEquals(List.of(Message.user("Q")), u.prompt());
    assertEquals("A", u.answer());
    assertFalse(u.desirable());
    assertEquals(BadConversation.MISSING_FIELD, reason("{\"messages\": [], \"label\": \"yes\"}"));
  }

  @Test
  void genericRowsTakeStringsMessagesAndTrlStyleLists() throws Exception {
    PreferenceRow.Pair p = (PreferenceRow.Pair) parse("{\"prompt\": [{\"role\": \"system\", \"content\": \"S\"}, "
        + "{\"role\": \"user\", \"content\": \"Q\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": \"good\"}], "
        + "\"rejected\": \"bad\", \"source\": \"annotators\", \"created_at\": \"2026-11-30T10:00:00Z\", "
        + "\"margin\": 2.5}");
    assertEquals(List.of(Message.system("S"), Message.user("Q")), p.prompt());
    assertEquals("good", p.chosen());
    assertEquals("annotators", p.source());
    assertEquals(Instant.parse("2026-11-30T10:00:00Z"), p.createdAt());
    assertEquals(2.5, p.margin());
    assertEquals(BadConversation.TURN_ORDER, reason("{\"prompt\": \"Q\", \"chosen\": {\"role\": \"user\", "
        + "\"content\": \"x\"}, \"rejected\": \"y\"}"));
  }

  @Test
  void identicalAnswersEmptyAnswersAndBadDatesAreRejectedWithTheirReason() {
    assertEquals(PreferenceFormat.IDENTICAL_ANSWERS, reason("{\"prompt\": \"Q\", \"chosen\": \"same \", "
        + "\"rejected\": \"same\"}"));
    assertEquals(PreferenceFormat.EMPTY_ANSWER, reason("{\"prompt\": \"Q\", \"chosen\": \" \", \"rejected\": \"b\"}"));
    assertEquals(PreferenceFormat.BAD_CREATED_AT, reason("{\"prompt\": \"Q\", \"chosen\": \"a\", \"rejected\": \"b\","
        + " \"created_at\": \"last tuesday\"}"));
    assertEquals(PreferenceFormat.BAD_CREATED_AT, reason("{\"prompt\": \"Q\", \"chosen\": \"a\", \"rejected\": \"b\","
        + " \"created_at\": -5}"));
    assertEquals(BadConversation.UNKNOWN_FORMAT, reason("{\"question\": \"Q\"}"));
    assertEquals(BadConversation.EMPTY_TURN, reason("{\"prompt\": \"\", \"chosen\": \"a\", \"rejected\": \"b\"}"));
  }

  @Test
  void createdAtReadsInstantsOffsetsLocalTimesDatesAndEpochSeconds() throws Exception {
    Instant t = Instant.parse("2026-11-30T10:00:00Z");
    for (String v : List.of("\"2026-11-30T10:00:00Z\"", "\"2026-11-30T11:00:00+01:00\"", "\"2026-11-30 10:00:00\"",
        String.valueOf(t.getEpochSecond()))) {
      assertEquals(t, PreferenceFormat.createdAt(JSON.readTree(v)), v);
    }
    assertEquals(Instant.parse("2026-11-30T00:00:00Z"), PreferenceFormat.createdAt(JSON.readTree("\"2026-11-30\"")));
    assertTrue(PreferenceFormat.createdAt(null) == null);
  }
}

package io.llmforge.pipeline.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates readable English prose from sentence templates and large word pools, so the demo can run the
 * whole flow on data the project makes itself (no download, no ../shared). Deterministic for a seed.
 *
 * <p>The pools are large and the templates put a slot every two or three words, so generated articles pass
 * the Gopher repetition rules the way real prose does (few repeated 5-grams) while still sharing enough
 * vocabulary for a small language model to learn from.
 */
public final class SyntheticText {
  private static final String[] TOPICS = {
      "river", "forest", "harbour", "library", "bridge", "garden", "railway", "market", "mountain", "orchard",
      "village", "lighthouse", "canal", "museum", "observatory", "vineyard", "bakery", "workshop", "meadow",
      "glacier", "island", "monastery", "theatre", "mill", "quarry", "reservoir", "school", "hospital", "farm",
      "castle"};
  private static final String[] PEOPLE = {
      "the engineers", "local farmers", "the historians", "two young teachers", "a retired sailor",
      "the town council", "visiting students", "the gardeners", "an old carpenter", "the first settlers",
      "several families", "the night watchman", "a travelling painter", "the fishermen", "careful surveyors",
      "the librarians", "a group of volunteers", "the merchants", "our neighbours", "the apprentices"};
  private static final String[] VERBS_PAST = {
      "repaired", "described", "measured", "painted", "rebuilt", "explored", "mapped", "protected", "visited",
      "studied", "restored", "photographed", "planted", "recorded", "defended", "cleaned", "extended",
      "celebrated", "rediscovered", "documented"};
  private static final String[] ADJECTIVES = {
      "narrow", "ancient", "quiet", "crowded", "northern", "forgotten", "remarkable", "gentle", "steep",
      "colourful", "modest", "famous", "damp", "sunny", "peaceful", "wooden", "enormous", "delicate", "busy",
      "windy", "hidden", "elegant", "fragile", "sturdy", "lively"};
  private static final String[] THINGS = {
      "stone walls", "copper roofs", "iron gates", "oak beams", "winding paths", "tall chimneys",
      "glass windows", "brick arches", "old maps", "handwritten letters", "wooden boats", "apple trees",
      "wild flowers", "long tables", "narrow stairs", "painted doors", "heavy bells", "small fountains",
      "hand tools", "clay pots", "woollen blankets", "silver coins", "broken clocks", "spare wheels"};
  private static final String[] TIMES = {
      "in the spring of 1873", "during the long winter", "every autumn", "after the great flood",
      "before the war", "in the early morning", "at the end of the century", "for nearly forty years",
      "on summer evenings", "in recent decades", "around midnight", "once a month", "by the following year",
      "throughout the nineteenth century", "shortly after sunrise", "in those difficult years"};
  private static final String[] REASONS = {
      "because the old road had flooded", "so that children could walk safely", "to save money on fuel",
      "after a long and bitter debate", "although nobody had asked them to", "since the harvest was late",
      "while the weather stayed dry", "so the records would not be lost", "to welcome the new arrivals",
      "as the population slowly grew", "when the trade routes changed", "before the first snow arrived"};
  private static final String[] OPINIONS = {
      "Many people believe", "Some visitors say", "It is often claimed", "Local stories suggest",
      "Recent studies show", "Most guides agree", "An old newspaper reported", "Careful readers will notice",
      "The records make clear", "Few people remember"};
  private static final String[] TEMPLATES = {
      "The {adj} {topic} was {verb} by {people} {time}.",
      "{People} {verb} the {topic} {reason}.",
      "{Opinion} that the {topic} had {adj} {things} and {adj2} {things2}.",
      "{Time}, {people} {verb} the {things} near the {topic}.",
      "Visitors to the {topic} can still see {adj} {things}, which {people} {verb} {time}.",
      "{Opinion} that {people} {verb} the {topic} {reason}, but the evidence is thin.",
      "The {topic} is known for its {adj} {things}, and {people} are proud of it.",
      "When {people} {verb} the {adj} {topic}, they found {things} hidden under the floor.",
      "It took {people} many months to move the {things} from the {topic} to the {topic2}.",
      "{Time}, the {topic2} became more important than the {adj} {topic}.",
      "A short walk from the {topic} leads to a {adj} {topic2} with {things}.",
      "The story of the {topic} shows how {people} worked together {reason}.",
      "Nobody knows exactly why {people} {verb} the {things}, {reason}.",
      "Today the {topic} is {adj}, and its {things} are {verb} with great care.",
      "{Opinion} that the {adj} {things} of the {topic} came from a {adj2} {topic2}.",
      "Few guidebooks mention it, yet {people} still gather at the {topic} {time}.",
      "Rain or shine, {people} keep the {adj} {things} in working order.",
      "Some of the {things} were sold {time}; others stayed behind {reason}.",
      "Walking past the {topic2}, you reach a {adj} square where {people} once traded.",
      "Photographs from that period show {adj} {things} stacked against the {topic}.",
      "Nobody expected {people} to stay, {reason}.",
      "Letters kept in the {topic2} describe how {people} {verb} the {adj} {things}.",
      "A {adj} path links the {topic} with the {topic2}, lined with {things}.",
      "Their children later {verb} the {topic} {time}.",
      "Among the {things}, one {adj} piece stands out for its unusual shape.",
      "Maps drawn {time} place the {topic} much closer to the {topic2}.",
      "By evening {people} had {verb} most of the {things}.",
      "Whether the {topic} deserves its {adj} reputation is still debated.",
      "Travellers arriving by boat first notice the {adj} {things}.",
      "Everything changed {time}, {reason}."};

  private final Random random;
  private final java.util.Map<String[], Deck> decks = new java.util.IdentityHashMap<>();

  public SyntheticText(long seed) {
    this.random = new Random(seed);
  }

  /**
   * Deals a pool's entries in shuffled order without repeats until it is exhausted, then reshuffles: within one
   * article the same multi-word phrase rarely comes twice, which keeps duplicated 5-grams at real-prose levels.
   */
  private final class Deck {
    private final String[] pool;
    private final int[] order;
    private int next;

    Deck(String[] pool) {
      this.pool = pool;
      this.order = new int[pool.length];
      shuffle();
    }

    private void shuffle() {
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      next = 0;
    }

    String deal() {
      if (next == order.length) {
        shuffle();
      }
      return pool[order[next++]];
    }
  }

  private String deal(String[] pool) {
    return decks.computeIfAbsent(pool, Deck::new).deal();
  }

  /** An article: a title line then paragraphs, roughly {@code paragraphs * 60} words. */
  public Article article(int paragraphs) {
    String topic = pick(TOPICS);
    String title = capitalise(pick(ADJECTIVES)) + " " + capitalise(topic) + ": " + capitalise(pick(THINGS))
        + " and " + capitalise(pick(PEOPLE).replace("the ", ""));
    List<String> paras = new ArrayList<>();
    for (int p = 0; p < paragraphs; p++) {
      paras.add(paragraph(topic, 3 + random.nextInt(3)));
    }
    return new Article(title, paras);
  }

  public String paragraph(String topic, int sentences) {
    StringBuilder sb = new StringBuilder();
    for (int s = 0; s < sentences; s++) {
      if (s > 0) {
        sb.append(' ');
      }
      sb.append(sentence(topic));
    }
    return sb.toString();
  }

  private String sentence(String topic) {
    String t = deal(TEMPLATES);
    t = t.replace("{People}", capitalise(deal(PEOPLE))).replace("{people}", deal(PEOPLE))
        .replace("{Time}", capitalise(deal(TIMES))).replace("{time}", deal(TIMES))
        .replace("{Opinion}", deal(OPINIONS))
        .replace("{topic2}", deal(TOPICS)).replace("{topic}", random.nextInt(3) == 0 ? deal(TOPICS) : topic)
        .replace("{adj2}", deal(ADJECTIVES)).replace("{adj}", deal(ADJECTIVES))
        .replace("{things2}", deal(THINGS)).replace("{things}", deal(THINGS))
        .replace("{verb}", deal(VERBS_PAST)).replace("{reason}", deal(REASONS));
    return t;
  }

  public String pick(String[] pool) {
    return pool[random.nextInt(pool.length)];
  }

  public Random random() {
    return random;
  }

  static String capitalise(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** A generated article. */
  public record Article(String title, List<String> paragraphs) {
    public String text() {
      return title + "\n\n" + String.join("\n\n", paragraphs);
    }
  }
}

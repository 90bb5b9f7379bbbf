package io.llmforge.quality;

import io.llmforge.pipeline.demo.SyntheticText;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Generates the kind of web text a quality classifier should score low: navigation and footer boilerplate,
 * keyword stuffing, product listings, comment-section chatter, teasers that stop after one sentence, and word
 * salad. It borrows the vocabulary of {@link SyntheticText} on purpose, so the demo classifier has to learn
 * how text is written rather than which words it uses. Deterministic for a seed.
 */
public final class SyntheticWebText {
  private static final String[] NAV = {
      "Home", "About us", "Contact", "Blog", "Shop", "Login", "Register", "Cart (0)", "FAQ", "Privacy policy",
      "Terms of use", "Sitemap", "Careers", "Newsletter", "Search", "Categories", "Deals", "Gift cards"};
  private static final String[] HYPE = {
      "best", "cheap", "top", "free", "discount", "buy", "sale", "online", "deals", "hot", "new", "official",
      "wholesale", "2024", "review", "near me", "price", "coupon"};
  private static final String[] CHATTER = {
      "great post!!! thanks for sharing", "lol this is so true", "first!!", "nice article, check out my site",
      "who is watching this in 2024?", "this. so much this.", "can anyone help me with this??",
      "click here to win a free phone", "DM me for more info", "+1", "totally agree with u", "omg same",
      "link doesnt work", "subscribe to my channel pls", "thx", "where can i buy this", "fake news",
      "wow amazing", "Reply", "Report", "Like"};
  private static final String[] THINGS = {
      "stone walls", "copper roofs", "iron gates", "oak beams", "garden tools", "wooden boats", "apple trees",
      "clay pots", "woollen blankets", "silver coins", "old maps", "brick arches", "painted doors", "hand tools",
      "spare wheels", "glass windows"};
  private static final String[] ADJECTIVES = {
      "ancient", "quiet", "famous", "sturdy", "elegant", "colourful", "wooden", "enormous", "modest", "lively"};
  private static final String[] CALLS = {
      "Read more", "Click here", "Subscribe now", "Sign up today", "Limited offer", "Download the app",
      "Continue reading", "Share on Facebook", "Tweet this", "Accept cookies", "Shop now", "Learn more"};

  private final SyntheticText articles;
  private final Random random;

  public SyntheticWebText(long seed) {
    this.articles = new SyntheticText(seed ^ 0x5DEECE66DL);
    this.random = new Random(seed);
  }

  /** One page: two to four blocks of different kinds, separated by blank lines. */
  public String page() {
    int blocks = 2 + random.nextInt(3);
    List<String> parts = new ArrayList<>();
    for (int b = 0; b < blocks; b++) {
      parts.add(switch (random.nextInt(6)) {
        case 0 -> navigation();
        case 1 -> keywordStuffing();
        case 2 -> listing();
        case 3 -> comments();
        case 4 -> teaser();
        default -> wordSalad();
      });
    }
    return String.join("\n\n", parts);
  }

  private String navigation() {
    StringBuilder sb = new StringBuilder();
    int n = 5 + random.nextInt(8);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : random.nextBoolean() ? " | " : "\n").append(pick(NAV));
    }
    sb.append("\nCopyright ").append(2005 + random.nextInt(20)).append(' ').append(capital(pick(ADJECTIVES)))
        .append(' ').append(capital(pick(THINGS))).append(" Ltd. All rights reserved.");
    return sb.toString();
  }

  private String keywordStuffing() {
    StringBuilder sb = new StringBuilder();
    String thing = pick(THINGS);
    int n = 15 + random.nextInt(25);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : " ").append(random.nextInt(3) == 0 ? thing : pick(HYPE));
      if (random.nextInt(6) == 0) {
        sb.append(' ').append(random.nextBoolean() ? thing : pick(THINGS));
      }
    }
    return sb.toString();
  }

  private String listing() {
    StringBuilder sb = new StringBuilder();
    int n = 3 + random.nextInt(6);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : "\n").append(capital(pick(ADJECTIVES))).append(' ').append(pick(THINGS))
          .append(" - $").append(1 + random.nextInt(300)).append('.').append(10 + random.nextInt(90))
          .append(random.nextBoolean() ? " - In stock" : " - Only " + (1 + random.nextInt(5)) + " left!")
          .append(" - ").append(pick(CALLS));
    }
    return sb.toString();
  }

  private String comments() {
    StringBuilder sb = new StringBuilder();
    int n = 3 + random.nextInt(6);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : "\n").append("user").append(random.nextInt(10_000)).append(": ").append(pick(CHATTER));
    }
    return sb.toString();
  }

  private String teaser() {
    String paragraph = articles.article(1).paragraphs().get(0);
    int end = paragraph.indexOf(". ");
    String first = end > 0 ? paragraph.substring(0, end + 1) : paragraph;
    return first + " ... " + pick(CALLS) + " >>";
  }

  private String wordSalad() {
    List<String> words = new ArrayList<>(List.of(articles.article(1).paragraphs().get(0).split(" ")));
    Collections.shuffle(words, random);
    return String.join(" ", words.subList(0, Math.min(words.size(), 20 + random.nextInt(40))));
  }

  private String pick(String[] pool) {
    return pool[random.nextInt(pool.length)];
  }

  private static String capital(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}

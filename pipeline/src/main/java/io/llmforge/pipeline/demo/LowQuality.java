package io.llmforge.pipeline.demo;

import java.util.Random;

/** Pages the heuristic and harmful-content filters exist for. */
final class LowQuality {
  private LowQuality() {}

  static String linkFarm(Random random, int i) {
    StringBuilder sb = new StringBuilder("<html><head><title>Best links directory</title></head><body><ul>");
    for (int k = 0; k < 60; k++) {
      sb.append("<li><a href=\"https://site").append(random.nextInt(100000)).append(".example.biz/\">Cheap deals ")
          .append(k).append("</a></li>");
    }
    return sb.append("</ul></body></html>").toString();
  }

  static String tooShort() {
    return "<html><body><p>Under construction. Come back soon!</p></body></html>";
  }

  static String repetitive(Random random) {
    StringBuilder sb = new StringBuilder("<html><body>");
    for (int k = 0; k < 40; k++) {
      sb.append("<p>Buy now and save big on the best deals of the year, limited offer!</p>");
    }
    return sb.append("</body></html>").toString();
  }

  static String adultSpam(Random random) {
    StringBuilder sb = new StringBuilder("<html><head><title>Hot live cams</title></head><body>");
    String[] lines = {
        "Watch free porn videos and live sex cams with thousands of models online right now.",
        "The hottest xxx content is updated every day, and registration takes less than a minute.",
        "Join the largest adult community and chat with new people from your city tonight.",
        "Premium members get unlimited access to every video in full quality with no adverts."};
    for (int p = 0; p < 6; p++) {
      sb.append("<p>").append(lines[random.nextInt(lines.length)]).append(' ')
          .append(lines[random.nextInt(lines.length)]).append("</p>");
    }
    return sb.append("</body></html>").toString();
  }
}

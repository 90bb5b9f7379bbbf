package io.llmforge.pipeline.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Pages in French, German and Spanish, which the default English-only language filter must reject. */
final class Foreign {
  private static final String[][] SENTENCES = {
      {"Le vieux pont de pierre a été restauré par les habitants du village.",
          "Chaque printemps, les enfants plantent des fleurs le long de la rivière.",
          "La bibliothèque municipale ouvre ses portes tous les matins à neuf heures.",
          "Les pêcheurs racontent encore l'histoire de la grande tempête de l'hiver dernier.",
          "On dit que le château abritait autrefois une collection de cartes anciennes.",
          "Les visiteurs peuvent admirer les toits de cuivre depuis la colline voisine."},
      {"Die alte Brücke wurde im letzten Sommer von den Bewohnern des Dorfes repariert.",
          "Jeden Herbst sammeln die Kinder Äpfel im Obstgarten hinter der Schule.",
          "Die Bibliothek der Stadt besitzt eine große Sammlung handgeschriebener Briefe.",
          "Viele Besucher kommen wegen der schönen Aussicht auf den ruhigen See.",
          "Der Leuchtturm an der Küste steht seit mehr als hundert Jahren dort.",
          "Im Winter ist der schmale Weg zum Kloster oft mit Schnee bedeckt."},
      {"El viejo puente de piedra fue restaurado por los vecinos del pueblo.",
          "Cada primavera los niños plantan flores a lo largo del río.",
          "La biblioteca municipal abre sus puertas todas las mañanas a las nueve.",
          "Los pescadores todavía cuentan la historia de la gran tormenta del invierno pasado.",
          "Se dice que el castillo guardaba una colección de mapas antiguos.",
          "Los visitantes pueden admirar los tejados de cobre desde la colina cercana."}};
  private static final String[] SITES = {"journal.example.fr", "zeitung.example.de", "diario.example.es"};

  private Foreign() {}

  static String site(int i) {
    return SITES[i % SITES.length];
  }

  static List<String> paragraphs(Random random, int i, int count) {
    String[] pool = SENTENCES[i % SENTENCES.length];
    List<String> out = new ArrayList<>();
    for (int p = 0; p < count; p++) {
      StringBuilder sb = new StringBuilder();
      for (int s = 0; s < 4; s++) {
        sb.append(s > 0 ? " " : "").append(pool[random.nextInt(pool.length)]);
      }
      out.add(sb.toString());
    }
    return out;
  }
}

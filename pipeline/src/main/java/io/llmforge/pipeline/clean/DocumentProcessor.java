package io.llmforge.pipeline.clean;

import io.llmforge.pipeline.document.Document;
import io.llmforge.pipeline.document.Outcome;
import io.llmforge.pipeline.extract.ExtractedText;
import io.llmforge.pipeline.extract.HtmlExtractor;
import io.llmforge.pipeline.filter.DocumentFilter;
import io.llmforge.pipeline.filter.PiiMasker;
import io.llmforge.pipeline.filter.Verdict;
import io.llmforge.pipeline.ingest.InputItem;
import io.llmforge.pipeline.ingest.RawPage;
import io.llmforge.pipeline.ingest.ReadFailure;
import io.llmforge.pipeline.lang.LanguageGuess;
import io.llmforge.pipeline.lang.LanguageIdentifier;
import io.llmforge.pipeline.text.CharsetDecoding;
import io.llmforge.pipeline.text.ContentHash;
import io.llmforge.pipeline.text.DecodedText;
import io.llmforge.pipeline.text.TextNormalizer;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The clean job's per-record logic as one pure function: input item in, {@link Outcome} out. Exactly one outcome
 * per item, so the job can check {@code documents + rejects = input}. No Spark here: the job only maps this over
 * the records, which is also how the tests drive it.
 *
 * <p>Stages, in order: ingest (read failures, unsupported content types), decode (invalid encoding), extract
 * (main text; nothing left), then the filters in their configured order (language first). Every filter runs
 * on every extracted document so that all signals are stored; the first rejection decides the stage.
 */
public final class DocumentProcessor implements Serializable {
  private final HtmlExtractor extractor;
  private final LanguageIdentifier languageIdentifier = new LanguageIdentifier();
  private final PiiMasker piiMasker;
  private final List<DocumentFilter> filters;
  private final double maxInvalidFraction;
  private final int minChars;

  /**
   * @param piiMasker          null to leave e-mails and IPs as they are
   * @param maxInvalidFraction pages with more undecodable bytes than this share are rejected
   * @param minChars           extracted text shorter than this is rejected at the extract stage
   */
  public DocumentProcessor(HtmlExtractor extractor, PiiMasker piiMasker, List<DocumentFilter> filters,
                           double maxInvalidFraction, int minChars) {
    this.extractor = extractor;
    this.piiMasker = piiMasker;
    this.filters = List.copyOf(filters);
    this.maxInvalidFraction = maxInvalidFraction;
    this.minChars = minChars;
  }

  public Outcome process(InputItem item) {
    if (item instanceof ReadFailure failure) {
      return readFailure(failure);
    }
    return page((RawPage) item);
  }

  private static Outcome readFailure(ReadFailure failure) {
    Document doc = identify(Document.of(failure.url(), null, failure.source(), ""), failure.offset());
    return Outcome.rejected(doc, Stage.INGEST, failure.reason());
  }

  private Outcome page(RawPage page) {
    Document empty = Document.of(page.url(), page.crawlDate(), page.source(), "");
    if (!page.isHtml() && !page.isPlainText()) {
      return Outcome.rejected(identify(empty, page.offset()), Stage.INGEST,
          "unsupported_content_type: " + page.contentType());
    }
    DecodedText decoded = CharsetDecoding.decode(page.body(), page.charset(), page.isHtml());
    Map<String, Double> signals = new HashMap<>();
    signals.put("decode_invalid_fraction", decoded.invalidFraction());
    if (decoded.invalidFraction() > maxInvalidFraction) {
      return Outcome.rejected(identify(empty.withSignals(signals), page.offset()), Stage.DECODE,
          String.format("invalid_encoding: %.4f of chars undecodable as %s > %.4f",
              decoded.invalidFraction(), decoded.charset(), maxInvalidFraction));
    }
    String text = page.isHtml() ? extractHtml(decoded.text(), page.url()) : decoded.text();
    text = TextNormalizer.normalize(text);
    if (piiMasker != null) {
      PiiMasker.Masked masked = piiMasker.mask(text);
      text = masked.text();
      signals.put("pii_emails", (double) masked.emails());
      signals.put("pii_ips", (double) masked.ips());
    }
    Document doc = empty.withText(text).withSignals(signals);
    if (text.length() < minChars) {
      return Outcome.rejected(identify(doc, page.offset()), Stage.EXTRACT,
          "no_main_text: " + text.length() + " chars < " + minChars);
    }
    LanguageGuess language = languageIdentifier.identify(text);
    doc = identify(doc.withLanguage(language.language(), language.score()), page.offset());
    return applyFilters(doc);
  }

  private String extractHtml(String html, String url) {
    ExtractedText extracted = extractor.extract(html, url == null ? "" : url);
    return extracted.text();
  }

  private Outcome applyFilters(Document doc) {
    String stage = null;
    String reason = null;
    Map<String, Double> signals = new HashMap<>();
    for (DocumentFilter filter : filters) {
      Verdict verdict = filter.apply(doc);
      signals.putAll(verdict.signals());
      if (!verdict.kept() && stage == null) {
        stage = filter.name();
        reason = verdict.rejectReason();
      }
    }
    Document withSignals = doc.withSignals(signals);
    return stage == null ? Outcome.kept(withSignals) : Outcome.rejected(withSignals, stage, reason);
  }

  /** Fills content hash, doc id and word count; rows without a URL are told apart by their offset. */
  private static Document identify(Document doc, long offset) {
    String sha1 = ContentHash.contentSha1(doc.text());
    String key = doc.url() != null ? doc.url() : doc.source() + "#" + offset;
    return doc.withIdentity(ContentHash.docId(key, sha1), sha1, WordCount.of(doc.text()));
  }
}

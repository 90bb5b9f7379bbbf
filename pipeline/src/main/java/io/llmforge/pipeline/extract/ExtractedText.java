package io.llmforge.pipeline.extract;

/**
 * The main text of a page.
 *
 * @param title page title, "" if none
 * @param text  main content: paragraphs separated by a blank line, lines by '\n', no markup
 */
public record ExtractedText(String title, String text) {}

package io.llmforge.pipeline.ingest;

/**
 * Something in an input file that could not be read as a page: a truncated gzip member, a malformed WARC
 * record, an empty file, a payload over the size cap, an unreadable JSON line.
 *
 * @param reason short machine-friendly kind first ({@code truncated_input}, {@code malformed_record}, ...),
 *               then detail
 */
public record ReadFailure(String source, long offset, String url, String reason) implements InputItem {}

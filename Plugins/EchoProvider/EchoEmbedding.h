/*
 * EchoEmbedding — the echo plugin's deterministic local embedding (ABI 1.3), so that a semantic
 * cache works with no key and no network: hashed word unigrams and character trigrams of the
 * lowercased text, in ECHO_EMBED_DIMENSIONS dimensions, L2-normalised.
 */
#ifndef ECHO_EMBEDDING_H
#define ECHO_EMBEDDING_H

#include <stddef.h>

#include "patchbay_plugin.h"

/** The dimension of every echo vector. */
#define ECHO_EMBED_DIMENSIONS 256

/** The model name the manifest lists (any name is accepted: the embedding has no models). */
#define ECHO_EMBED_MODEL "echo-embed"

/** The words (runs of non-space bytes) in `length` bytes of text: the echo's stand-in for tokens. */
long echo_count_words(const char *text, size_t length);

/**
 * Embeds `length` bytes of UTF-8 into `out` (ECHO_EMBED_DIMENSIONS floats), L2-normalised.
 * Case (ASCII) and punctuation do not count; bytes of non-ASCII characters are word characters.
 * A text with no word at all gets the unit vector of dimension 0, so it is still normalised.
 */
void echo_embed(const char *text, size_t length, float *out);

/**
 * Reads an embedding request JSON (the header's EMBEDDINGS schema) and embeds every input.
 * On PATCHBAY_OK: `*out_vectors` holds `*out_count` × ECHO_EMBED_DIMENSIONS floats (malloc'd,
 * the caller frees them) and `*out_words` the inputs' word count (the usage's input tokens).
 * Otherwise (not JSON, `input` missing, empty or holding a non-string): PATCHBAY_ERR_INVALID_ARGUMENT
 * and `*out_reason` names the fault (a static string).
 */
patchbay_status echo_embed_request(const char *json, size_t length, float **out_vectors, size_t *out_count,
                                   long *out_words, const char **out_reason);

#endif

/*
 * EchoEmbedding — see EchoEmbedding.h.
 *
 * The text is first normalised: ASCII letters lowercased, every run of other ASCII bytes
 * (white space, punctuation) made one space, and one space put at each end; so "What are your
 * opening hours?" and "what are your  opening hours" are the same text. Each word then adds
 * weight 1 and each character trigram of the normalised text (spaces included, so word starts
 * and ends count) weight 0.5 to one hashed dimension, with a hashed sign: unrelated features
 * cancel out rather than pile up, so unrelated texts land near cosine 0.
 */
#include "EchoEmbedding.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "EchoJSON.h"

/* FNV-1a, 32 bits, seeded so that a word and a trigram of the same bytes hash apart. */
static uint32_t hash(const char *bytes, size_t length, uint32_t seed) {
    uint32_t h = 2166136261u ^ seed;
    for (size_t i = 0; i < length; i++) {
        h ^= (unsigned char)bytes[i];
        h *= 16777619u;
    }
    /* A final mix, so that the low bits (the dimension) depend on every byte. */
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    return h;
}

static void add_feature(float *out, const char *bytes, size_t length, uint32_t seed, float weight) {
    uint32_t h = hash(bytes, length, seed);
    out[h % ECHO_EMBED_DIMENSIONS] += (h & 0x80000000u) ? -weight : weight;
}

/* Lowercases and collapses separators into single spaces, with one space at each end. Returns
 * the normalised length; `normal` has room for length + 2 bytes. */
static size_t normalise(const char *text, size_t length, char *normal) {
    size_t n = 0;
    normal[n++] = ' ';
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 'A' && c <= 'Z') normal[n++] = (char)(c + ('a' - 'A'));
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) normal[n++] = (char)c;
        else if (normal[n - 1] != ' ') normal[n++] = ' ';
    }
    if (normal[n - 1] != ' ') normal[n++] = ' ';
    return n;
}

static double square_root(double x);

void echo_embed(const char *text, size_t length, float *out) {
    memset(out, 0, ECHO_EMBED_DIMENSIONS * sizeof *out);
    char *normal = malloc(length + 2);
    size_t n = normal ? normalise(text, length, normal) : 0;
    for (size_t start = 0, i = 1; i < n; i++) {          /* words: the runs between spaces */
        if (normal[i] != ' ') continue;
        if (i > start + 1) add_feature(out, normal + start + 1, i - start - 1, 0x776f7264u, 1.0f);
        start = i;
    }
    for (size_t i = 0; n >= 3 && i + 3 <= n; i++)       /* character trigrams */
        add_feature(out, normal + i, 3, 0x74726967u, 0.5f);
    free(normal);

    double sum = 0;
    for (int i = 0; i < ECHO_EMBED_DIMENSIONS; i++) sum += (double)out[i] * out[i];
    if (sum == 0) {
        out[0] = 1.0f;   /* no feature (an empty text): still a unit vector */
        return;
    }
    float scale = (float)(1.0 / square_root(sum));
    for (int i = 0; i < ECHO_EMBED_DIMENSIONS; i++) out[i] *= scale;
}

/* Newton's square root, so that the plugin needs no libm (x > 0; converges from above). */
static double square_root(double x) {
    double root = x > 1 ? x : 1;
    for (int i = 0; i < 64; i++) root = 0.5 * (root + x / root);
    return root;
}

long echo_count_words(const char *text, size_t length) {
    long words = 0;
    int inside = 0;
    for (size_t i = 0; i < length; i++) {
        int space = echo_is_space(text[i]);
        if (!space && !inside) words++;
        inside = !space;
    }
    return words;
}

patchbay_status echo_embed_request(const char *json, size_t length, float **out_vectors, size_t *out_count,
                                   long *out_words, const char **out_reason) {
    echo_json_value root, input, element;
    if (!echo_json_parse(json, length, &root) || root.type != ECHO_JSON_OBJECT) {
        *out_reason = "echo: the embedding request is not a JSON object";
        return PATCHBAY_ERR_INVALID_ARGUMENT;
    }
    if (!echo_json_member(&root, "input", &input) || input.type != ECHO_JSON_ARRAY) {
        *out_reason = "echo: the embedding request has no input array";
        return PATCHBAY_ERR_INVALID_ARGUMENT;
    }
    size_t count = 0;
    echo_json_iterator iterator = echo_json_elements(&input);
    while (echo_json_next(&iterator, &element)) {
        if (element.type != ECHO_JSON_STRING) {
            *out_reason = "echo: the embedding request's input holds a value that is not a string";
            return PATCHBAY_ERR_INVALID_ARGUMENT;
        }
        count++;
    }
    if (count == 0) {
        *out_reason = "echo: the embedding request's input is empty";
        return PATCHBAY_ERR_INVALID_ARGUMENT;
    }
    float *vectors = malloc(count * ECHO_EMBED_DIMENSIONS * sizeof *vectors);
    if (!vectors) return PATCHBAY_ERR_NO_MEMORY;
    long words = 0;
    size_t index = 0;
    iterator = echo_json_elements(&input);
    while (echo_json_next(&iterator, &element)) {
        char *text = NULL;
        size_t text_length = 0;
        if (!echo_json_string(&element, &text, &text_length)) {
            free(vectors);
            *out_reason = "echo: the embedding request's input holds an undecodable string";
            return PATCHBAY_ERR_INVALID_ARGUMENT;
        }
        echo_embed(text, text_length, vectors + index++ * ECHO_EMBED_DIMENSIONS);
        words += echo_count_words(text, text_length);
        free(text);
    }
    *out_vectors = vectors;
    *out_count = count;
    *out_words = words;
    return PATCHBAY_OK;
}

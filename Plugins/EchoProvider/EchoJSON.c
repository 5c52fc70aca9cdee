#include "EchoJSON.h"

#include <stdlib.h>
#include <string.h>

int echo_is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static const char *skip_space(const char *p, const char *end) {
    while (p < end && echo_is_space(*p)) p++;
    return p;
}

static const char *skip_value(const char *p, const char *end, echo_json_type *type, int depth);

static const char *skip_string(const char *p, const char *end) {
    if (p >= end || *p != '"') return NULL;
    for (p++; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') return p + 1;
        if (c < 0x20) return NULL;
        if (c == '\\') {
            if (++p >= end) return NULL;
            if (*p == 'u') {
                for (int i = 0; i < 4; i++) {
                    if (++p >= end) return NULL;
                    char h = *p;
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return NULL;
                }
            } else if (!strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return NULL;
}

static const char *skip_number(const char *p, const char *end) {
    const char *start = p;
    if (p < end && *p == '-') p++;
    if (p < end && *p == '0') p++;
    else if (p < end && *p >= '1' && *p <= '9') while (p < end && *p >= '0' && *p <= '9') p++;
    else return NULL;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9') return NULL;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || *p < '0' || *p > '9') return NULL;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    return p > start ? p : NULL;
}

static const char *skip_literal(const char *p, const char *end, const char *word) {
    size_t n = strlen(word);
    return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

static const char *skip_container(const char *p, const char *end, char close, int object, int depth) {
    p = skip_space(p + 1, end);
    if (p < end && *p == close) return p + 1;
    for (;;) {
        echo_json_type type;
        if (object) {
            p = skip_string(p, end);
            if (!p) return NULL;
            p = skip_space(p, end);
            if (p >= end || *p != ':') return NULL;
            p = skip_space(p + 1, end);
        }
        p = skip_value(p, end, &type, depth + 1);
        if (!p) return NULL;
        p = skip_space(p, end);
        if (p < end && *p == ',') { p = skip_space(p + 1, end); continue; }
        if (p < end && *p == close) return p + 1;
        return NULL;
    }
}

static const char *skip_value(const char *p, const char *end, echo_json_type *type, int depth) {
    if (p >= end || depth > 64) return NULL;   /* bounded recursion: hostile input cannot blow the stack */
    switch (*p) {
    case '{': *type = ECHO_JSON_OBJECT; return skip_container(p, end, '}', 1, depth);
    case '[': *type = ECHO_JSON_ARRAY; return skip_container(p, end, ']', 0, depth);
    case '"': *type = ECHO_JSON_STRING; return skip_string(p, end);
    case 't': *type = ECHO_JSON_BOOL; return skip_literal(p, end, "true");
    case 'f': *type = ECHO_JSON_BOOL; return skip_literal(p, end, "false");
    case 'n': *type = ECHO_JSON_NULL; return skip_literal(p, end, "null");
    default: *type = ECHO_JSON_NUMBER; return skip_number(p, end);
    }
}

int echo_json_parse(const char *text, size_t length, echo_json_value *out) {
    const char *end = text + length;
    const char *p = skip_space(text, end);
    const char *after = skip_value(p, end, &out->type, 0);
    if (!after || skip_space(after, end) != end) return 0;
    out->start = p;
    out->end = after;
    return 1;
}

int echo_json_member(const echo_json_value *object, const char *name, echo_json_value *out) {
    if (object->type != ECHO_JSON_OBJECT) return 0;
    const char *p = skip_space(object->start + 1, object->end);
    while (p < object->end && *p == '"') {
        echo_json_value key = {ECHO_JSON_STRING, p, skip_string(p, object->end)};
        p = skip_space(key.end, object->end) + 1;              /* past ':' (already validated) */
        p = skip_space(p, object->end);
        out->start = p;
        out->end = skip_value(p, object->end, &out->type, 0);
        if (echo_json_string_equals(&key, name)) return 1;
        p = skip_space(out->end, object->end);
        if (p < object->end && *p == ',') p = skip_space(p + 1, object->end);
    }
    return 0;
}

echo_json_iterator echo_json_elements(const echo_json_value *array) {
    echo_json_iterator iterator = {array->end, array->end};
    if (array->type == ECHO_JSON_ARRAY) iterator.cursor = skip_space(array->start + 1, array->end);
    return iterator;
}

int echo_json_next(echo_json_iterator *iterator, echo_json_value *out) {
    const char *p = iterator->cursor;
    if (p >= iterator->end || *p == ']') return 0;
    out->start = p;
    out->end = skip_value(p, iterator->end, &out->type, 0);
    p = skip_space(out->end, iterator->end);
    if (p < iterator->end && *p == ',') p = skip_space(p + 1, iterator->end);
    iterator->cursor = p;
    return 1;
}

static unsigned hex4(const char *p) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

static size_t put_utf8(char *out, unsigned cp) {
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | cp >> 6); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

int echo_json_string(const echo_json_value *string, char **out, size_t *out_length) {
    if (string->type != ECHO_JSON_STRING) return 0;
    const char *p = string->start + 1, *end = string->end - 1;
    char *buffer = malloc((size_t)(end - p) + 1);    /* decoding never grows the text */
    if (!buffer) return 0;
    size_t n = 0;
    while (p < end) {
        if (*p != '\\') { buffer[n++] = *p++; continue; }
        p++;
        char c = *p++;
        switch (c) {
        case 'b': buffer[n++] = '\b'; break;
        case 'f': buffer[n++] = '\f'; break;
        case 'n': buffer[n++] = '\n'; break;
        case 'r': buffer[n++] = '\r'; break;
        case 't': buffer[n++] = '\t'; break;
        case 'u': {
            unsigned cp = hex4(p);
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                unsigned low = hex4(p + 2);
                if (low >= 0xDC00 && low < 0xE000) { cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00); p += 6; }
            }
            if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;   /* a lone surrogate is not UTF-8 */
            n += put_utf8(buffer + n, cp);
            break;
        }
        default: buffer[n++] = c; break;
        }
    }
    buffer[n] = 0;
    *out = buffer;
    *out_length = n;
    return 1;
}

int echo_json_string_equals(const echo_json_value *string, const char *literal) {
    char *text;
    size_t length;
    if (!echo_json_string(string, &text, &length)) return 0;
    int equal = length == strlen(literal) && memcmp(text, literal, length) == 0;
    free(text);
    return equal;
}

int echo_json_number(const echo_json_value *number, double *out) {
    if (number->type != ECHO_JSON_NUMBER) return 0;
    char buffer[64];
    size_t n = (size_t)(number->end - number->start);
    if (n >= sizeof buffer) return 0;
    memcpy(buffer, number->start, n);
    buffer[n] = 0;
    *out = strtod(buffer, NULL);
    return 1;
}

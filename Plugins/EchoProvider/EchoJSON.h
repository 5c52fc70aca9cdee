/*
 * EchoJSON — the smallest JSON reader the echo plugin needs: validate a document, find an
 * object's member, walk an array, decode a string or a number. Values are spans of the input;
 * nothing is allocated except a decoded string, which the caller frees.
 */
#ifndef ECHO_JSON_H
#define ECHO_JSON_H

#include <stddef.h>

typedef enum {
    ECHO_JSON_NULL, ECHO_JSON_BOOL, ECHO_JSON_NUMBER, ECHO_JSON_STRING, ECHO_JSON_ARRAY, ECHO_JSON_OBJECT
} echo_json_type;

/** A value: its type and the span [start, end) of its text. Borrowed from the input. */
typedef struct {
    echo_json_type type;
    const char *start;
    const char *end;
} echo_json_value;

typedef struct {
    const char *cursor;
    const char *end;
} echo_json_iterator;

/** Parses one whole document; returns 0 if it is not valid JSON. */
int echo_json_parse(const char *text, size_t length, echo_json_value *out);
/** Finds `name` in an object; returns 0 if absent. */
int echo_json_member(const echo_json_value *object, const char *name, echo_json_value *out);
/** An iterator over an array's elements. */
echo_json_iterator echo_json_elements(const echo_json_value *array);
/** The next element; returns 0 at the end. */
int echo_json_next(echo_json_iterator *iterator, echo_json_value *out);
/** Decodes a string value into a malloc'd UTF-8 buffer (NUL-terminated); the caller frees it. */
int echo_json_string(const echo_json_value *string, char **out, size_t *out_length);
/** Whether a string value decodes to exactly `literal`. */
int echo_json_string_equals(const echo_json_value *string, const char *literal);
/** Reads a number value. */
int echo_json_number(const echo_json_value *number, double *out);
/** JSON's white space, which is also what separates the echo plugin's words. */
int echo_is_space(char c);

#endif

/* The one JSON printer: every command's document goes out through it, in
 * one layout (two-space indent, `"key": value'), and every string in it is
 * cleaned by ctl_text_safe (line breaks kept, as the JSON escape `\n'):
 * see docs/json.md. A document is either a json-c tree (json_print), or
 * written as it is made (jo_*), so that a large one never exists in memory
 * whole; both can be mixed (jo_tree). */
#ifndef CTLSIGN_JSONOUT_H
#define CTLSIGN_JSONOUT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JO_DEPTH_MAX 32

typedef struct json_out {
	FILE *f;
	int depth;
	bool empty[JO_DEPTH_MAX + 1];   /* nothing in the container at this depth yet */
	char close[JO_DEPTH_MAX + 1];   /* '}' or ']' */
} json_out;

/* Start a document on f. Every value below takes a key inside an object
 * and NULL elsewhere (array elements, the document itself). */
void jo_start(json_out *j, FILE *f);
void jo_object(json_out *j, const char *key);
void jo_array(json_out *j, const char *key);
void jo_end(json_out *j);                 /* closes the innermost object or array */
void jo_string(json_out *j, const char *key, const char *s);   /* NULL: null */
void jo_int(json_out *j, const char *key, int64_t v);
void jo_bool(json_out *j, const char *key, bool v);
void jo_null(json_out *j, const char *key);
void jo_tree(json_out *j, const char *key, json_object *v);  /* NULL: null */
/* Ends the document with a newline and flushes. */
void jo_finish(json_out *j);

/* Print a json-c document to stdout, with a trailing newline. */
void json_print(json_object *o);

/* A JSON string of text from a file, a certificate or a token, cleaned. */
json_object *json_text(const char *s);
/* Lower-case hex of a buffer into a new json string. */
json_object *json_hex(const uint8_t *p, size_t n);

#endif

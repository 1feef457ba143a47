/* The JSON printer (jsonout.h). */
#include "jsonout.h"

#include "text.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void jo_start(json_out *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->empty[0] = true;
}

static void indent(json_out *j, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", j->f);
}

/* A string, cleaned as it is written (no copy of it is made). */
static void put_string(FILE *f, const char *s)
{
	putc('"', f);
	while (*s) {
		char esc[8];
		const char *show;
		size_t len;

		s += ctl_text_step(s, CTL_TEXT_LINES, esc, &show, &len);
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)show[i];

			if (c == '"' || c == '\\')
				fprintf(f, "\\%c", c);
			else if (c == '\n')
				fputs("\\n", f);
			else if (c < 0x20)
				fprintf(f, "\\u%04x", c);   /* cannot happen after cleaning */
			else
				putc(c, f);
		}
	}
	putc('"', f);
}

/* What comes before a value: the separator, the indent and the key. */
static void member(json_out *j, const char *key)
{
	if (j->depth > 0) {
		fputs(j->empty[j->depth] ? "\n" : ",\n", j->f);
		indent(j, j->depth);
	}
	j->empty[j->depth] = false;
	if (key) {
		put_string(j->f, key);
		fputs(": ", j->f);
	}
}

static void open_container(json_out *j, const char *key, char open, char close)
{
	member(j, key);
	putc(open, j->f);
	if (j->depth < JO_DEPTH_MAX)
		j->depth++;
	j->empty[j->depth] = true;
	j->close[j->depth] = close;
}

void jo_object(json_out *j, const char *key)
{
	open_container(j, key, '{', '}');
}

void jo_array(json_out *j, const char *key)
{
	open_container(j, key, '[', ']');
}

void jo_end(json_out *j)
{
	if (j->depth == 0)
		return;
	putc('\n', j->f);
	indent(j, j->depth - 1);
	putc(j->close[j->depth], j->f);
	j->depth--;
}

void jo_string(json_out *j, const char *key, const char *s)
{
	if (!s) {
		jo_null(j, key);
		return;
	}
	member(j, key);
	put_string(j->f, s);
}

void jo_int(json_out *j, const char *key, int64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void jo_bool(json_out *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void jo_null(json_out *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

/* One value that is not a container. */
static void put_scalar(json_out *j, const char *key, json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		jo_bool(j, key, json_object_get_boolean(v));
		break;
	case json_type_int:
		jo_int(j, key, json_object_get_int64(v));
		break;
	case json_type_double:
		/* ctlsign writes no fractions; json-c's own form, should one appear. */
		member(j, key);
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), j->f);
		break;
	case json_type_string:
		jo_string(j, key, json_object_get_string(v));
		break;
	default:
		jo_null(j, key);
		break;
	}
}

/* Walked with a stack of its own (no recursion): an object's members in
 * order, an array's elements by index. */
void jo_tree(json_out *j, const char *key, json_object *v)
{
	struct {
		json_object *v;
		struct json_object_iterator it, end;
		size_t i;
	} st[JO_DEPTH_MAX];
	int top = -1;

	for (;;) {
		json_type t = json_object_get_type(v);

		if ((t == json_type_object || t == json_type_array) && top + 1 < JO_DEPTH_MAX) {
			if (t == json_type_object)
				jo_object(j, key);
			else
				jo_array(j, key);
			top++;
			st[top].v = v;
			st[top].i = 0;
			if (t == json_type_object) {
				st[top].it = json_object_iter_begin(v);
				st[top].end = json_object_iter_end(v);
			}
		} else {
			put_scalar(j, key, t == json_type_object || t == json_type_array ? NULL : v);
		}
		/* The next value (a null member is a NULL value): the innermost
		 * container's next member, else it is closed. */
		bool have = false;

		while (top >= 0 && !have) {
			if (json_object_get_type(st[top].v) == json_type_object) {
				if (!json_object_iter_equal(&st[top].it, &st[top].end)) {
					key = json_object_iter_peek_name(&st[top].it);
					v = json_object_iter_peek_value(&st[top].it);
					json_object_iter_next(&st[top].it);
					have = true;
				}
			} else if (st[top].i < json_object_array_length(st[top].v)) {
				key = NULL;
				v = json_object_array_get_idx(st[top].v, st[top].i++);
				have = true;
			}
			if (!have) {
				jo_end(j);
				top--;
			}
		}
		if (!have)
			return;
	}
}

void jo_finish(json_out *j)
{
	while (j->depth > 0)
		jo_end(j);
	putc('\n', j->f);
	fflush(j->f);
}

void json_print(json_object *o)
{
	json_out j;

	jo_start(&j, stdout);
	jo_tree(&j, NULL, o);
	jo_finish(&j);
}

json_object *json_text(const char *s)
{
	char *t = ctl_text_dup(s ? s : "", CTL_TEXT_LINES);
	json_object *o = json_object_new_string(t ? t : "");

	free(t);
	return o;
}

json_object *json_hex(const uint8_t *p, size_t n)
{
	char *s = ctl_hex_dup(p, n, 0, false);
	json_object *o = s ? json_object_new_string(s) : NULL;

	free(s);
	return o;
}

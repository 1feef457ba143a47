/* The strict INI reader (inifile.h). */
#include "inifile.h"

#include "text.h"

#include <ctype.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXCERPT 80   /* input quoted in a message is cut here */

int ctl_ini_vfail(ctl_ini *ini, ctl_status st, int line, const char *fmt, va_list ap)
{
	char what[CTL_ERR_MSG];

	if (ini->failed)
		return 0;
	ini->failed = true;
	ini->status = st;
	ini->fail_line = line > 0 ? line : 0;
	vsnprintf(what, sizeof(what), fmt, ap);
	if (line > 0)
		ctl_err_set(ini->err, st, -1, -1, -1, "%s:%d: %s", ini->spec->path, line, what);
	else
		ctl_err_set(ini->err, st, -1, -1, -1, "%s: %s", ini->spec->path, what);
	return 0;
}

int ctl_ini_fail(ctl_ini *ini, ctl_status st, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_ini_vfail(ini, st, line, fmt, ap);
	va_end(ap);
	return 0;
}

bool ctl_ini_failed(const ctl_ini *ini)
{
	return ini->failed;
}

ctl_status ctl_ini_status(const ctl_ini *ini)
{
	return ini->failed ? ini->status : CTL_OK;
}

int ctl_ini_line(const ctl_ini *ini)
{
	return ini->line;
}

int ctl_ini_section_line(const ctl_ini *ini, const char *name)
{
	for (size_t i = 0; i < ini->nsecs; i++)
		if (!strcmp(ini->secs[i].name, name))
			return ini->secs[i].line;
	return 0;
}

static bool add_section(ctl_ini *ini, const char *name, size_t len)
{
	if (ini->nsecs == ini->capsecs) {
		size_t nc = ini->capsecs ? 2 * ini->capsecs : 16;
		ctl_ini_sec *v = realloc(ini->secs, nc * sizeof(*v));

		if (!v)
			return false;
		ini->secs = v;
		ini->capsecs = nc;
	}
	if (!(ini->secs[ini->nsecs].name = strndup(name, len)))
		return false;
	ini->secs[ini->nsecs++].line = ini->line;
	return true;
}

/* fgets-like: hand inih one line of the buffer, cleaned (see inifile.h). */
static char *read_line(char *str, int num, void *stream)
{
	ctl_ini *ini = stream;
	const ctl_ini_spec *sp = ini->spec;
	const char *s, *e, *nl, *q;
	char quote[CTL_TEXT_EXCERPT_ROOM(EXCERPT)];
	size_t len;

	if (ini->failed || ini->pos >= ini->end)
		return NULL;
	s = ini->pos;
	nl = memchr(s, '\n', (size_t)(ini->end - s));
	e = nl ? nl : ini->end;
	ini->pos = nl ? nl + 1 : ini->end;
	ini->line++;
	if (ini->line == 1 && e - s >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	if (memchr(s, '\0', (size_t)(e - s))) {
		ctl_ini_fail(ini, CTL_E_MALFORMED, ini->line, "NUL byte: this is not a text file");
		return NULL;
	}
	for (q = s; q < e && isspace((unsigned char)*q); q++)
		;
	if (q > s && q < e && !sp->indent) {
		ctl_ini_fail(ini, CTL_E_MALFORMED, ini->line,
			     "indented line (continuation lines are not allowed)");
		return NULL;
	}
	s = q;
	/* Comments: a line starting with `;' or `#', or one of spec->comment
	 * after a blank. */
	if (s < e && (*s == ';' || *s == '#'))
		e = s;
	for (q = s + 1; q < e; q++)
		if (strchr(sp->comment, *q) && (q[-1] == ' ' || q[-1] == '\t')) {
			e = q;
			break;
		}
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	len = (size_t)(e - s);
	if (len > sp->max_line || num < 2 || len > (size_t)num - 2) {
		ctl_ini_fail(ini, CTL_E_MALFORMED, ini->line,
			     "line is %zu characters long; at most %zu fit (comments and "
			     "indentation do not count)", len,
			     num < 2 || sp->max_line < (size_t)num - 2 ? sp->max_line : (size_t)num - 2);
		return NULL;
	}
	if (len && *s == '[') {
		if (s[len - 1] != ']') {
			ctl_ini_fail(ini, CTL_E_MALFORMED, ini->line,
				     "section header `%s' does not end with `]'",
				     ctl_text_excerpt(s, len, EXCERPT, quote, sizeof(quote)));
			return NULL;
		}
		if (!add_section(ini, s + 1, len - 2)) {
			ctl_ini_fail(ini, CTL_E_INTERNAL, 0, "out of memory");
			return NULL;
		}
		if (sp->section && !sp->section(ini, sp->ctx, s + 1, len - 2)) {
			ctl_ini_fail(ini, CTL_E_INTERNAL, ini->line, "section refused");
			return NULL;
		}
	} else if (len && !memchr(s, '=', len) && !memchr(s, ':', len)) {
		ctl_ini_fail(ini, CTL_E_MALFORMED, ini->line,
			     "expected `key = value', `[section]' or a comment, not `%s'",
			     ctl_text_excerpt(s, len, EXCERPT, quote, sizeof(quote)));
		return NULL;
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
	ctl_ini *ini = user;

	if (ini->failed)
		return 0;
	if (!ini->spec->value(ini, ini->spec->ctx, section, name, value)) {
		ctl_ini_fail(ini, CTL_E_INTERNAL, ini->line, "value refused");
		return 0;
	}
	return 1;
}

ctl_status ctl_ini_read(ctl_ini *ini, const ctl_ini_spec *spec, const char *text, size_t len,
			ctl_err *err)
{
	int rc;

	memset(ini, 0, sizeof(*ini));
	ini->spec = spec;
	ini->err = err;
	ini->pos = text;
	ini->end = text + len;
	rc = ini_parse_stream(read_line, ini, on_value, ini);
	/* A line inih refused that the reader let through, unless an earlier
	 * problem was found already. */
	if (rc > 0 && (!ini->failed || (ini->fail_line > 0 && rc < ini->fail_line))) {
		ini->failed = false;
		ctl_ini_fail(ini, CTL_E_MALFORMED, rc,
			     "syntax error: expected `key = value', `[section]' or a comment");
	} else if (rc < 0) {
		ctl_ini_fail(ini, CTL_E_INTERNAL, 0, "out of memory");
	}
	return ctl_ini_status(ini);
}

void ctl_ini_done(ctl_ini *ini)
{
	for (size_t i = 0; i < ini->nsecs; i++)
		free(ini->secs[i].name);
	free(ini->secs);
	ini->secs = NULL;
	ini->nsecs = ini->capsecs = 0;
}

/* The strict INI reader that the cluster file (cluster.c) and the token
 * profiles (pkcs11/profiles.c) share, on top of libinih.
 *
 * inih alone would accept what a strict file must refuse, and would not say
 * where: Debian's ini.h leaves INI_HANDLER_LINENO at 0, the handler never
 * sees section headers, lines past INI_MAX_LINE are split in two, NUL bytes
 * end a line early, and indented lines continue the previous value. So inih
 * reads through ini_parse_stream() with this reader: one reader call is one
 * line (the way inih counts), so the reader's count is the current line
 * inside the callbacks; it sees every section header (empty and repeated
 * ones too), drops comments, refuses NUL bytes, long lines and (unless
 * allowed) indentation, and skips a UTF-8 BOM. The first problem wins,
 * whether the reader, a callback, a check after the last line or inih
 * itself found it; every message is "PATH:LINE: ..." ("PATH: ..." for the
 * whole file). Like all core code: no printing. */
#ifndef CTLSIGN_INIFILE_H
#define CTLSIGN_INIFILE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

typedef struct ctl_ini ctl_ini;

typedef struct ctl_ini_spec {
	const char *path;        /* names the input in every message */
	size_t max_line;         /* longest line; comments and indentation do not count */
	const char *comment;     /* a comment starts with one of these at the start of a
				  * line (`#' and `;' always) or after a blank */
	bool indent;             /* indentation dropped (true) or refused (false) */
	/* A `[...]' line: the text between the brackets, blanks around it kept.
	 * Returns 0 after ctl_ini_fail to stop. May be NULL. */
	int (*section)(ctl_ini *ini, void *ctx, const char *name, size_t len);
	/* `key = value' (or `key: value'), trimmed, under inih's section.
	 * Returns 0 after ctl_ini_fail to stop. */
	int (*value)(ctl_ini *ini, void *ctx, const char *section, const char *key,
		     const char *value);
	void *ctx;
} ctl_ini_spec;

typedef struct ctl_ini_sec {
	char *name;
	int line;
} ctl_ini_sec;

/* One read. The fields are the reader's own: use the functions below. */
struct ctl_ini {
	const ctl_ini_spec *spec;
	ctl_err *err;            /* may be NULL */
	const char *pos, *end;
	int line;
	bool failed;
	int fail_line;           /* line of the first failure; 0: the whole file */
	ctl_status status;
	ctl_ini_sec *secs;
	size_t nsecs, capsecs;
};

/* Read text (len bytes). Returns CTL_OK or the first failure's status (err
 * set); ctl_ini_fail may still add a failure found afterwards (missing
 * keys), then ctl_ini_status says. Free with ctl_ini_done. */
ctl_status ctl_ini_read(ctl_ini *ini, const ctl_ini_spec *spec, const char *text, size_t len,
			ctl_err *err);
void ctl_ini_done(ctl_ini *ini);

/* The line being read (in a callback). */
int ctl_ini_line(const ctl_ini *ini);
/* The line of the first `[name]' header (the text between the brackets,
 * exactly), 0 when there is none. */
int ctl_ini_section_line(const ctl_ini *ini, const char *name);

/* Record a failure unless one is recorded already: "PATH:LINE: message"
 * (line 0: "PATH: message"). Returns 0, what a callback returns to stop. */
int ctl_ini_fail(ctl_ini *ini, ctl_status st, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int ctl_ini_vfail(ctl_ini *ini, ctl_status st, int line, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
bool ctl_ini_failed(const ctl_ini *ini);
ctl_status ctl_ini_status(const ctl_ini *ini);

#endif

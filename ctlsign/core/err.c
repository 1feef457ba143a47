#include "err.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void ctl_err_clear(ctl_err *e)
{
	if (!e)
		return;
	e->status = CTL_OK;
	e->offset = -1;
	e->tag = -1;
	e->record = -1;
	e->msg[0] = '\0';
}

ctl_status ctl_err_set(ctl_err *e, ctl_status st, long offset, int tag,
		       int record, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return st;
	e->status = st;
	e->offset = offset;
	e->tag = tag;
	e->record = record;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return st;
}

/* Append s to a message at o, cut to CTL_ERR_MSG; returns the new end. */
static size_t put(char *msg, size_t o, const char *s)
{
	size_t n = strlen(s);

	if (n > CTL_ERR_MSG - 1 - o)
		n = CTL_ERR_MSG - 1 - o;
	memcpy(msg + o, s, n);
	msg[o + n] = '\0';
	return o + n;
}

/* Put fmt's text before the message ("TEXT: message") or after it. */
static ctl_status edit(ctl_err *e, bool before, const char *fmt, va_list ap)
{
	char add[CTL_ERR_MSG], old[CTL_ERR_MSG];
	size_t o;

	if (!e)
		return CTL_E_INTERNAL;
	vsnprintf(add, sizeof(add), fmt, ap);
	memcpy(old, e->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	o = put(e->msg, 0, before ? add : old);
	if (before)
		o = put(e->msg, o, ": ");
	put(e->msg, o, before ? old : add);
	return e->status;
}

ctl_status ctl_err_wrap(ctl_err *e, const char *fmt, ...)
{
	va_list ap;
	ctl_status st;

	va_start(ap, fmt);
	st = edit(e, true, fmt, ap);
	va_end(ap);
	return st;
}

ctl_status ctl_err_append(ctl_err *e, const char *fmt, ...)
{
	va_list ap;
	ctl_status st;

	va_start(ap, fmt);
	st = edit(e, false, fmt, ap);
	va_end(ap);
	return st;
}

ctl_status ctl_err_ssl(ctl_err *e, ctl_status st, const char *fmt, ...)
{
	va_list ap;
	char ssl[256] = "";
	unsigned long code = ERR_get_error();
	size_t n;

	/* A command that does not load OpenSSL's texts gives the code, which
	 * `openssl errstr' explains. */
	if (code && ERR_reason_error_string(code))
		ERR_error_string_n(code, ssl, sizeof(ssl));
	else if (code)
		snprintf(ssl, sizeof(ssl), "OpenSSL error %08lX; `openssl errstr %08lX' explains it",
			 code, code);
	ERR_clear_error();
	if (!e)
		return st;
	ctl_err_clear(e);
	e->status = st;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (ssl[0] && n + 3 < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, " (%s)", ssl);
	return st;
}

const char *ctl_err_where(const ctl_err *e, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	if (e->record > 0)
		used += (size_t)snprintf(buf + used, n - used, "record %d ", e->record);
	else if (e->record == 0)
		used += (size_t)snprintf(buf + used, n - used, "header ");
	if (used < n && e->offset >= 0)
		used += (size_t)snprintf(buf + used, n - used, "at byte %ld ", e->offset);
	if (used < n && e->tag >= 0)
		used += (size_t)snprintf(buf + used, n - used, "tag %d ", e->tag);
	if (used > 0 && used < n) {
		buf[used - 1] = ':';
		snprintf(buf + used, n - used, " %s", e->msg);
	} else {
		snprintf(buf, n, "%s", e->msg);
	}
	return buf;
}

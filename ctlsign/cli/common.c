#include "cli.h"

#include "io.h"

#include <signal.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool cli_quiet;

int exit_code_for(ctl_status st)
{
	switch (st) {
	case CTL_OK: return EXIT_OK;
	case CTL_E_VERIFY: return EXIT_VERIFY;
	case CTL_E_USAGE: return EXIT_USAGE;
	case CTL_E_MALFORMED: return EXIT_MALFORMED;
	case CTL_E_IO: return EXIT_IO;
	case CTL_E_REFUSED: return EXIT_REFUSED;
	case CTL_E_TOKEN: return EXIT_TOKEN;
	case CTL_E_NOTOKEN: return EXIT_NOTOKEN;
	case CTL_E_INTERRUPTED: return EXIT_INTERRUPTED;
	case CTL_E_MODULE: return EXIT_MODULE;
	case CTL_E_INTERNAL: return EXIT_INTERNAL;
	}
	return EXIT_INTERNAL;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if there is none. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

void text_safe(const char *in, char *out, size_t n, bool controls)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	if (!n)
		return;
	while (*s && o + 5 < n) {
		size_t k = utf8_seq(s);
		/* C0, DEL and C1 controls would reach the terminal as commands. */
		bool ctl = k == 1 ? (*s < 0x20 || *s == 0x7F)
			   : (k == 2 && s[0] == 0xC2 && s[1] < 0xA0);
		if (!k || (ctl && !controls)) {
			snprintf(out + o, n - o, "\\x%02X", *s);
			o += 4;
			s++;
			continue;
		}
		memcpy(out + o, s, k);
		o += k;
		s += k;
	}
	out[o] = '\0';
}

char *text_dup(const char *in, bool controls)
{
	size_t n = strlen(in) * 4 + 1;
	char *out = malloc(n);

	if (out)
		text_safe(in, out, n, controls);
	return out;
}

/* One message, each of its lines behind the prefix: line breaks are the
 * message's own (a list of candidates), every other control character is
 * shown escaped. */
static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char buf[4096], safe[sizeof(buf) * 4];
	char *line = buf, *nl;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	do {
		if ((nl = strchr(line, '\n')))
			*nl = '\0';
		text_safe(line, safe, sizeof(safe), false);
		fprintf(stderr, "%s%s\n", line == buf ? prefix : "ctlsign:   ", safe);
		line = nl ? nl + 1 : NULL;
	} while (line && *line);
}

void msg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("ctlsign: ", fmt, ap);
	va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;

	if (cli_quiet)
		return;
	va_start(ap, fmt);
	vmsg("ctlsign: warning: ", fmt, ap);
	va_end(ap);
}

int report(const char *file, const ctl_err *e)
{
	char where[CTL_ERR_MSG + 128];

	ctl_err_where(e, where, sizeof(where));
	if (file)
		msg_error("`%s': %s", file, where);
	else
		msg_error("%s", where);
	return exit_code_for(e->status);
}

/* Undo a write in progress (io.c puts the previous file and backup back
 * and removes every temporary name), then die of the signal. */
static void undo_write(int sig)
{
	if (ctl_write_abort(sig))
		return; /* the writing thread undoes it, then gets the signal */
	signal(sig, SIG_DFL);
	raise(sig);
}

void cli_undo_write_on_signals(void)
{
	signal(SIGINT, undo_write);
	signal(SIGTERM, undo_write);
	signal(SIGHUP, undo_write);
}

bool cli_seconds(const char *s, long *ms)
{
	char *end;
	double v;

	if (!s)
		return false;
	v = strtod(s, &end);
	if (end == s || *end || !(v > 0) || v > 3600)
		return false;
	*ms = (long)(v * 1000 + 0.5);
	if (*ms < 1)
		*ms = 1;
	return true;
}

bool cli_have_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

#include "cli.h"

#include "io.h"
#include "text.h"

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
		ctl_text_safe(line, safe, sizeof(safe), 0);
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

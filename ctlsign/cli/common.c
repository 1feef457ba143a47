#include "cli.h"

#include <stdarg.h>

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
	case CTL_E_INTERNAL: return EXIT_INTERNAL;
	}
	return EXIT_INTERNAL;
}

void msg_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ctlsign: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;

	if (cli_quiet)
		return;
	fputs("ctlsign: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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

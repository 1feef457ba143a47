/* PIN acquisition. The only secrets in ctlsign live here and in the token
 * backend; both wipe before any error leaves. */
#include "pin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bsd/readpassphrase.h>

#include "secret.h"

void ctl_pin_init_as(ctl_pin *p, ctl_secret_kind kind)
{
	ctl_secret_guard();
	memset(p, 0, sizeof(*p));
	p->kind = kind;
}

void ctl_pin_init(ctl_pin *p)
{
	ctl_pin_init_as(p, CTL_SECRET_PIN);
}

/* "PIN" or "passphrase", for messages. */
static const char *noun(const ctl_pin *p)
{
	return p->kind == CTL_SECRET_PASSPHRASE ? "passphrase" : "PIN";
}

/* What a refused PIN did not cost. */
static const char *no_try(const ctl_pin *p)
{
	return p->kind == CTL_SECRET_PASSPHRASE ? "" : ". No login was tried";
}

void ctl_pin_wipe(ctl_pin *p)
{
	ctl_secret_wipe(p, sizeof(*p));
}

/* A control character other than the line end (what is left of a CRLF file
 * cut short, a tab), as its position, or -1. */
static long control_char(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return (long)i;
	return -1;
}

/* Check what was read: strip one trailing "\n", "\r\n" or a lone "\r";
 * refuse empty, too long, a UTF-8 byte order mark, NUL bytes, further lines
 * and other control characters. What an editor adds must never reach the
 * token as part of the PIN: it would cost an attempt. */
static ctl_status finish(ctl_pin *p, size_t n, const char *what, ctl_err *err)
{
	ctl_status st = CTL_OK;
	long ctl;

	if (n > 0 && p->buf[n - 1] == '\n')
		n--;
	if (n > 0 && p->buf[n - 1] == '\r')
		n--;
	if (n > CTL_PIN_MAX)
		st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				 "%s from %s is longer than %d bytes; refusing to cut it", noun(p),
				 what, CTL_PIN_MAX);
	else if (n == 0)
		st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1, "%s from %s is empty", noun(p), what);
	else if (n >= 3 && !memcmp(p->buf, "\xEF\xBB\xBF", 3))
		st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				 "%s from %s starts with a UTF-8 byte order mark (EF BB BF, added "
				 "by some Windows editors); save it without one%s",
				 noun(p), what, no_try(p));
	else if (memchr(p->buf, '\0', n) || memchr(p->buf, '\n', n))
		st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				 "%s from %s must be a single line without NUL bytes", noun(p), what);
	else if ((ctl = control_char(p->buf, n)) >= 0)
		st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				 "%s from %s contains a control character (0x%02x at byte %ld); "
				 "only one line end is removed%s",
				 noun(p), what, (unsigned)(unsigned char)p->buf[ctl], ctl + 1, no_try(p));
	if (st != CTL_OK) {
		ctl_secret_wipe(p->buf, sizeof(p->buf));
		p->len = 0;
		return st;
	}
	ctl_secret_wipe(p->buf + n, sizeof(p->buf) - n);
	p->len = n;
	return CTL_OK;
}

ctl_status ctl_pin_from_source(ctl_pin *p, const char *source, char *warn, size_t warnsz,
			       ctl_err *err)
{
	const char *path = source;
	bool is_stdin;
	struct stat sb;
	size_t n = 0;
	int fd = -1;
	char what[4200];
	ctl_status st = CTL_OK;

	if (warn && warnsz)
		warn[0] = '\0';
	if (!strncmp(source, "file:", 5))
		path = source + 5;
	is_stdin = !strcmp(path, "-");
	if (is_stdin)
		snprintf(what, sizeof(what), "standard input");
	else
		snprintf(what, sizeof(what), "`%s'", path);
	if (!is_stdin && (!*path || source[0] == '|')) {
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "unsupported %s source `%s' (use file:PATH or -)", noun(p), source);
		goto out;
	}
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		st = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot read %s file `%s': %s", noun(p),
				 is_stdin ? "-" : path, strerror(errno));
		goto out;
	}
	if (!is_stdin && !S_ISREG(sb.st_mode) && !S_ISFIFO(sb.st_mode)) {
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "%s file `%s' is not a regular file",
				 noun(p), path);
		goto out;
	}
	if (!is_stdin && S_ISREG(sb.st_mode) && (sb.st_mode & (S_IRWXG | S_IRWXO)) && warn)
		snprintf(warn, warnsz,
			 "%s file `%s' is accessible to group or others (mode %04o); "
			 "run chmod 600 on it",
			 noun(p), path, (unsigned)(sb.st_mode & 07777));
	/* Read one byte more than any acceptable PIN so "too long" is detected,
	 * never silently truncated. */
	while (n < sizeof(p->buf) - 1) {
		ssize_t r = read(fd, p->buf + n, sizeof(p->buf) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			st = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot read %s from %s: %s",
					 noun(p), what, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	st = finish(p, n, what, err);
	if (st == CTL_OK)
		p->origin = is_stdin ? CTL_PIN_FROM_STDIN : CTL_PIN_FROM_FILE;
out:
	if (st != CTL_OK) {
		ctl_secret_wipe(p->buf, sizeof(p->buf));
		p->len = 0;
	}
	if (fd >= 0 && !is_stdin)
		close(fd);
	return st;
}

extern char **environ;

/* Every "NAME=" entry of the environment (a name can occur twice when the
 * parent built the block by hand): the first value is copied to buf
 * (when it fits), then all are wiped in place and the name is unset. */
static size_t take_env(const char *name, char *buf, size_t bufsz, bool *found)
{
	size_t nl = strlen(name), first = 0;

	*found = false;
	for (char **e = environ; e && *e; e++) {
		char *v;
		size_t n;

		if (strncmp(*e, name, nl) || (*e)[nl] != '=')
			continue;
		v = *e + nl + 1;
		n = strlen(v);
		if (!*found) {
			*found = true;
			first = n;
			if (n <= bufsz)
				memcpy(buf, v, n);
		}
		ctl_secret_wipe(v, n);
	}
	if (*found)
		unsetenv(name);
	return first;
}

ctl_status ctl_pin_from_env(ctl_pin *p, const char *name, ctl_err *err)
{
	bool found;
	size_t n;
	char what[128];

	snprintf(what, sizeof(what), "environment variable %s", name);
	if (!*name || strchr(name, '='))
		return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				   "`%s' is not an environment variable name", name);
	n = take_env(name, p->buf, CTL_PIN_MAX + 2, &found);
	if (!found)
		return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				   "environment variable %s is not set", name);
	if (n > CTL_PIN_MAX + 2) {
		ctl_secret_wipe(p->buf, sizeof(p->buf));
		return ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				   "%s from %s is longer than %d bytes; refusing to cut it", noun(p),
				   what, CTL_PIN_MAX);
	}
	p->origin = CTL_PIN_FROM_ENV;
	return finish(p, n, what, err);
}

ctl_status ctl_pin_tty_prompt(void *ctx, const char *prompt, bool echo, char *buf,
			      size_t bufsz, ctl_err *err)
{
	(void)ctx;
	if (!readpassphrase(prompt, buf, bufsz, RPP_REQUIRE_TTY | (echo ? RPP_ECHO_ON : 0))) {
		ctl_secret_wipe(buf, bufsz);
		if (errno == EINTR)
			return ctl_err_set(err, CTL_E_INTERRUPTED, -1, -1, -1, "interrupted");
		return ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1, "no terminal to ask on (/dev/tty: %s)",
				   strerror(errno));
	}
	return CTL_OK;
}

ctl_status ctl_pin_from_prompt(ctl_pin *p, ctl_prompt_fn fn, void *ctx, const char *prompt,
			       ctl_err *err)
{
	ctl_status st;
	size_t n;

	if (!fn)
		fn = ctl_pin_tty_prompt;
	/* Room for one byte past the limit: readpassphrase drops the rest of a
	 * long line, so a full buffer means "too long". */
	st = fn(ctx, prompt, false, p->buf, CTL_PIN_MAX + 2, err);
	if (st == CTL_E_TOKEN)
		ctl_err_append(err, "; give the %s with %s", noun(p),
			       p->kind == CTL_SECRET_PASSPHRASE ? "--pass-source"
								 : "--pin-source or --pin-env");
	if (st != CTL_OK)
		goto out;
	p->buf[CTL_PIN_MAX + 1] = '\0';
	n = strlen(p->buf);
	if (n == 0) {
		st = ctl_err_set(err, CTL_E_INTERRUPTED, -1, -1, -1, "no %s entered; %s", noun(p),
				 p->kind == CTL_SECRET_PASSPHRASE ? "cancelled, the key was not opened"
								   : "login cancelled");
		goto out;
	}
	p->origin = CTL_PIN_FROM_PROMPT;
	st = finish(p, n, "the terminal", err);
out:
	if (st != CTL_OK) {
		ctl_secret_wipe(p->buf, sizeof(p->buf));
		p->len = 0;
	}
	return st;
}

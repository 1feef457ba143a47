/* PIN acquisition: file, stdin, environment or terminal; never argv. Every
 * buffer that held a PIN is wiped on every path, and the process is not
 * dumpable from the first PIN on (core/secret.h: no core file, no ptrace by
 * peers, never turned back on). */
#ifndef CTLSIGN_PIN_H
#define CTLSIGN_PIN_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "token.h"

/* Longest PIN accepted, in bytes. Longer input is an error, never cut. */
#define CTL_PIN_MAX 255

typedef enum {
	CTL_PIN_FROM_NONE = 0,
	CTL_PIN_FROM_FILE,
	CTL_PIN_FROM_STDIN,
	CTL_PIN_FROM_ENV,
	CTL_PIN_FROM_PROMPT,
} ctl_pin_origin;

/* What is asked for: the messages say so. */
typedef enum {
	CTL_SECRET_PIN = 0,     /* a token's user PIN */
	CTL_SECRET_PASSPHRASE,  /* the passphrase of an encrypted key file */
} ctl_secret_kind;

typedef struct ctl_pin {
	/* room for the longest PIN, a "\r\n" and one byte that proves "too long" */
	char buf[CTL_PIN_MAX + 4];
	size_t len;
	ctl_pin_origin origin;
	ctl_secret_kind kind;
} ctl_pin;

/* ctl_pin_init makes the process non-dumpable for good (ctl_secret_guard)
 * before anything is read; ctl_pin_wipe cleanses the whole structure.
 * Wiping twice is harmless. */
void ctl_pin_init(ctl_pin *p);
/* The same for a passphrase (or a PIN): messages name what is asked for. */
void ctl_pin_init_as(ctl_pin *p, ctl_secret_kind kind);
void ctl_pin_wipe(ctl_pin *p);

/* source is "file:PATH", a path, or "-" for stdin. Only a trailing "\n",
 * "\r\n" or "\r" is removed; a UTF-8 byte order mark and any other control
 * character are refused (for every source). When the file can be read by group or others, a warning
 * is written to warn (else warn[0] = '\0'). */
ctl_status ctl_pin_from_source(ctl_pin *p, const char *source, char *warn, size_t warnsz,
			       ctl_err *err);
/* The variable is removed from the environment and its value wiped where it
 * was (for the initial environment: what /proc/PID/environ shows) as soon as
 * it is read, whether the PIN is then accepted or not. */
ctl_status ctl_pin_from_env(ctl_pin *p, const char *name, ctl_err *err);
/* Ask through fn (NULL: the terminal). An empty answer cancels
 * (CTL_E_INTERRUPTED) so the user can stop without spending a try: for a
 * PIN and for a passphrase alike (an encrypted key with an empty passphrase
 * cannot be opened from the terminal; use --pass-source). */
ctl_status ctl_pin_from_prompt(ctl_pin *p, ctl_prompt_fn fn, void *ctx, const char *prompt,
			       ctl_err *err);

/* The terminal prompt: readpassphrase(3) on /dev/tty, echo off unless asked. */
ctl_status ctl_pin_tty_prompt(void *ctx, const char *prompt, bool echo, char *buf,
			      size_t bufsz, ctl_err *err);

#endif

/* Errors returned by core code. Core code never prints or exits: it fills a
 * ctl_err and returns its kind; the command layer prints and picks the exit
 * code (see cli/exitcodes.h).
 *
 * Every message names its subject once, first. Who names a file:
 *  - a function handed the path of its input or output (ctl_read_file,
 *    ctl_read_input, ctl_cert_load, ctl_trust_load, ctl_write_atomic) does
 *    not: its caller does, with report(path, &err) in the command layer
 *    ("`PATH': cannot open: ...") or ctl_err_wrap(err, "`%s'", path) in
 *    core, where the caller also says why it read the file
 *    ("cluster.ini:12: key `capf': `capf.pem': ...");
 *  - a function that reads what it found itself (the certificates a
 *    cluster file names, token profiles, a lock file), or whose position
 *    is part of the message (a cluster file or a profile: "PATH:LINE: ...")
 *    or whose role is (a key file: "key file `PATH': ..."), names it.
 * Parsers of bytes (ctl_parse) know no path: offset, record and tag say
 * where, and the caller names the file. tests/e2e/errors.sh gives every
 * file-taking option a missing, a directory, an unreadable path and checks
 * the message holds it. */
#ifndef CTLSIGN_ERR_H
#define CTLSIGN_ERR_H

#include <stddef.h>

typedef enum {
	CTL_OK = 0,
	CTL_E_VERIFY,     /* signature invalid, signer unknown or not trusted */
	CTL_E_USAGE,      /* caller asked for something that makes no sense */
	CTL_E_MALFORMED,  /* input file is not what it claims to be */
	CTL_E_IO,         /* read/write/rename failed */
	CTL_E_REFUSED,    /* input is well-formed but building it would be unsafe */
	CTL_E_TOKEN,      /* PKCS#11 / PIN failure */
	CTL_E_NOTOKEN,    /* token removed or not present */
	CTL_E_INTERRUPTED,
	CTL_E_INTERNAL,   /* out of memory, library failure */
	CTL_E_MODULE,     /* one of ctlsign's own modules cannot be loaded */
} ctl_status;

#define CTL_ERR_MSG 512

typedef struct ctl_err {
	ctl_status status;
	long offset;       /* byte offset in the input, -1 if none */
	int tag;           /* TLV tag involved, -1 if none */
	int record;        /* 1-based record number, 0 for the header, -1 if none */
	char msg[CTL_ERR_MSG];
} ctl_err;

void ctl_err_clear(ctl_err *e);
/* Record an error and return its status. Offset/tag/record may be -1. */
ctl_status ctl_err_set(ctl_err *e, ctl_status st, long offset, int tag,
		       int record, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Put context in front of the message of an error already set: "CONTEXT:
 * message" (cut to CTL_ERR_MSG). Status, offset, tag and record stay.
 * Returns the status. */
ctl_status ctl_err_wrap(ctl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Add to the end of the message of an error already set (cut to
 * CTL_ERR_MSG). Returns the status. */
ctl_status ctl_err_append(ctl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Like ctl_err_set, appending the first OpenSSL error queue entry (when
 * OpenSSL has its texts loaded: see OSSL_STRINGS in cli/main.c). */
ctl_status ctl_err_ssl(ctl_err *e, ctl_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Render "record 3 at byte 2606, tag 9: msg" into buf. */
const char *ctl_err_where(const ctl_err *e, char *buf, size_t n);

#endif

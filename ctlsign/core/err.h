/* Errors returned by core code. Core code never prints or exits: it fills a
 * ctl_err and returns its kind; the command layer prints and picks the exit
 * code (see cli/exitcodes.h). */
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
/* Like ctl_err_set, appending the first OpenSSL error queue entry. */
ctl_status ctl_err_ssl(ctl_err *e, ctl_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Render "record 3 at byte 2606, tag 9: msg" into buf. */
const char *ctl_err_where(const ctl_err *e, char *buf, size_t n);

#endif

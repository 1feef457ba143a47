/* Exit codes: stable, documented in `ctlsign --help`, README.md and the man
 * page (tests/e2e/docs.sh checks all three). Scripts depend on them: never
 * renumber. */
#ifndef CTLSIGN_EXITCODES_H
#define CTLSIGN_EXITCODES_H

#include "err.h"

enum {
	EXIT_OK = 0,           /* success; for verify: signature valid */
	EXIT_VERIFY = 1,       /* signature invalid, signer not found or not trusted */
	EXIT_USAGE = 2,        /* bad command line */
	EXIT_MALFORMED = 3,    /* malformed input file (trust list, certificate, cluster file) */
	EXIT_IO = 4,           /* cannot read or write a file */
	EXIT_REFUSED = 5,      /* refused as unsafe (expired certificate, key mismatch, limits) */
	EXIT_TOKEN = 6,        /* wrong PIN or passphrase, PIN locked, login refused */
	EXIT_NOTOKEN = 7,      /* token removed or not present */
	EXIT_MODULE = 69,      /* ctlsign's token or network module cannot be loaded */
	EXIT_INTERNAL = 70,    /* internal error (out of memory, library failure) */
	EXIT_INTERRUPTED = 130 /* interrupted by a signal */
};

int exit_code_for(ctl_status st);

#endif

/* ctlsign --version: what a bug report needs to know about this binary. */
#include "version.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

/* Set by the Makefile: `git describe` in a tagged checkout, else the
 * version of debian/changelog; the library versions from pkg-config. */
#ifndef CTLSIGN_VERSION
#define CTLSIGN_VERSION "unknown"
#endif
#ifndef CTLSIGN_LIBP11_VERSION
#define CTLSIGN_LIBP11_VERSION "unknown"
#endif
#ifndef CTLSIGN_P11KIT_VERSION
#define CTLSIGN_P11KIT_VERSION "unknown"
#endif

void cli_version(FILE *out)
{
	fprintf(out, "ctlsign %s\n", CTLSIGN_VERSION);
	fprintf(out, "OpenSSL %s (built with %s)\n", OpenSSL_version(OPENSSL_VERSION_STRING),
		OPENSSL_VERSION_STR);
	/* libcurl, libp11 and p11-kit are linked to ctlsign's modules, loaded
	 * by the commands that use them: not by this one. */
	fprintf(out, "libcurl %s (built with)\n", LIBCURL_VERSION);
	fprintf(out, "libp11 %s (built with)\n", CTLSIGN_LIBP11_VERSION);
	fprintf(out, "p11-kit %s (built with)\n", CTLSIGN_P11KIT_VERSION);
}

/* ctlsign --version. */
#ifndef CTLSIGN_CLI_VERSION_H
#define CTLSIGN_CLI_VERSION_H

#include <stdio.h>

/* This build's version (CTLSIGN_VERSION, set by the Makefile), then the
 * libraries it runs with: OpenSSL and libcurl as loaded now, libp11 and
 * p11-kit as built against (neither tells its version at run time without
 * loading a PKCS#11 module). Loads no module and starts no network code. */
void cli_version(FILE *out);

#endif

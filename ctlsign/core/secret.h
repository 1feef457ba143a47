/* Secrets in memory (PINs, passphrases, private key files): the one guard
 * every holder uses.
 *
 * Wiping: every buffer that held a secret goes through ctl_secret_wipe
 * (OPENSSL_cleanse, which the compiler cannot drop) on every path.
 * Dumping: from the moment the first secret is about to be read, the process
 * is not dumpable (PR_SET_DUMPABLE 0: no core file, no ptrace or
 * /proc/PID/mem by other processes of the same user) until it exits. It is
 * never turned back on: copies may linger where no wipe reaches (a module's
 * own memory, the heap a library freed), and a crash after the last wipe
 * must not write them to disk. */
#ifndef CTLSIGN_SECRET_H
#define CTLSIGN_SECRET_H

#include <stddef.h>

/* Make the process non-dumpable for the rest of its life (idempotent). */
void ctl_secret_guard(void);

/* Wipe n bytes at p (NULL or 0 bytes is fine). */
void ctl_secret_wipe(void *p, size_t n);

#endif

/* Tokenless signing: a signer (signer.h) from a PEM or DER private key
 * file, as CUCM's publisher signs with its CallManager or ITLRecovery key
 * (signer_pem.c). */
#ifndef CTLSIGN_SIGNER_PEM_H
#define CTLSIGN_SIGNER_PEM_H

#include <stdbool.h>

#include <openssl/x509.h>

#include "build.h"
#include "err.h"
#include "signer.h"

/* Asks for the passphrase of an encrypted key: fills buf (size n), returns
 * the length or -1. */
typedef int (*ctl_pass_fn)(char *buf, int n, void *ctx);

/* A signer from a PEM (or DER) private key file, without its certificate
 * yet (ctl_signer_set_cert). getpass is called only for an encrypted key.
 * A key file readable by group/others adds a warning. Errors name the key
 * file ("key file `PATH': ..."). */
ctl_status ctl_pem_signer_open(const char *key_path, ctl_pass_fn getpass, void *ctx,
			       ctl_signer **out, ctl_warnings *w, ctl_err *err);
/* Attach the certificate to a PEM signer: refused, naming both, unless the
 * key belongs to it. */
ctl_status ctl_signer_set_cert(ctl_signer *s, X509 *cert, const char *cert_desc,
			       ctl_err *err);
/* Does the signer's private key belong to this certificate? (Any signer:
 * a token's is judged by its certificate.) */
bool ctl_signer_matches(const ctl_signer *s, X509 *cert);

#endif

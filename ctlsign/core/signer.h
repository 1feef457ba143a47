/* The signer interface: what the builder needs from a key, wherever it lives
 * (PEM file, PKCS#11 token). */
#ifndef CTLSIGN_SIGNER_H
#define CTLSIGN_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"

typedef struct ctl_signer ctl_signer;

struct ctl_signer {
	/* Human description for messages ("key file signer.key", a token URI). */
	char desc[512];
	/* The certificate matching the key (owned). */
	X509 *cert;
	/* RSA PKCS#1 v1.5 signature over data with digest md. sig must hold
	 * EVP_PKEY_get_size(cert key) bytes; *siglen receives the length. The
	 * implementation verifies its signature against cert before returning. */
	ctl_status (*sign)(ctl_signer *s, const EVP_MD *md, const uint8_t *data,
			   size_t len, uint8_t *sig, size_t *siglen, ctl_err *err);
	/* Release everything, wiping secrets. */
	void (*free)(ctl_signer *s);
	void *impl;
};

void ctl_signer_free(ctl_signer *s);

/* Is sig a valid PKCS#1 v1.5 signature by cert's key over data? Every
 * signer checks before it hands a signature back. */
bool ctl_signature_ok(X509 *cert, const EVP_MD *md, const uint8_t *data, size_t len,
		      const uint8_t *sig, size_t siglen);
/* The same, as an error for a key and certificate that were paired by hand
 * (--key with --signer-cert): "key and certificate do not belong together".
 * A token words its own (it chose the certificate by the key's id). */
ctl_status ctl_signer_check(X509 *cert, const EVP_MD *md, const uint8_t *data,
			    size_t len, const uint8_t *sig, size_t siglen, ctl_err *err);

#endif

/* Building a signed trust list from certificates. */
#ifndef CTLSIGN_BUILD_H
#define CTLSIGN_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "ctl.h"
#include "err.h"
#include "signer.h"

/* Warnings collected by core code for the command layer to print. */
typedef struct ctl_warnings {
	size_t n;
	char **msg;
} ctl_warnings;

void ctl_warn(ctl_warnings *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_warnings_free(ctl_warnings *w);

typedef struct ctl_entry {
	int role;            /* CTL_ROLE_* or any code */
	char *dns;           /* DNSNAME; NULL writes "" as CUCM does for eTokens */
	bool has_ip;
	uint8_t ip[4];       /* 0.0.0.0 when !has_ip */
	X509 *cert;          /* owned; NULL only for a blanked or kept record */
	bool blank;          /* non-secure mode: DNSNAME, FUNCTION, IPADDRESS only */
	bool token;          /* a SAST eToken (not CallManager/ITLRecovery) */
	char *source;        /* where the certificate came from, for messages */
	/* SUBJECTNAME / ISSUERNAME to write instead of the certificate's names
	 * in CUCM's form: the strings phones already hold for it. NULL: CUCM's. */
	char *subject_str;
	char *issuer_str;
	/* A record kept byte for byte (build --from); cert may still be set for
	 * the checks. NULL: laid out from the fields above. */
	uint8_t *raw;
	size_t rawlen;
} ctl_entry;

typedef struct ctl_spec {
	bool itl;                /* FILENAME ITLFile.tlv instead of CTLFile.tlv */
	unsigned digest_code;    /* CTL_DIGEST_SHA1/256/512 */
	int signer_version;      /* 0: omit tag 28, 10: 1.0, 11: 1.1, -1: automatic */
	uint32_t timestamp;
	bool allow_expired;
	time_t now;              /* for expiry checks */
	bool checked;            /* ctl_spec_check passed */
	size_t n;
	ctl_entry *e;
} ctl_spec;

/* Append an entry (takes ownership of cert, copies strings). */
ctl_status ctl_spec_add(ctl_spec *s, int role, const char *dns, const uint8_t *ip,
			X509 *cert, bool blank, const char *source, ctl_err *err);
void ctl_spec_free(ctl_spec *s);

/* Keep a record of an existing trust list byte for byte (build --from). */
ctl_status ctl_spec_add_raw(ctl_spec *s, const ctl_record *r, const uint8_t *bytes,
			    const char *source, ctl_err *err);

/* Checks that need no signer: expiry, EC records and signer version, the
 * same certificate twice, SAST records sharing serial and issuer, record
 * count and size limits. Warnings go to w. */
ctl_status ctl_spec_check(ctl_spec *s, ctl_warnings *w, ctl_err *err);

/* Index of the SAST entry holding this certificate, -1 if none. */
int ctl_spec_sast_of(const ctl_spec *s, X509 *cert);
/* The same as a rule: the signer must be a SAST record of the file, or
 * phones could never verify it. CTL_E_REFUSED names `what' ("the signer
 * certificate", "the token's certificate") and the certificate. */
ctl_status ctl_spec_signer_index(const ctl_spec *s, X509 *cert, const char *what, int *idx,
				 ctl_err *err);

/* Check the spec (ctl_spec_check, unless done) and the signer (a SAST
 * record of the file), lay it out as CUCM does, sign, then re-parse and
 * verify the result before returning it. */
ctl_status ctl_build(ctl_spec *s, ctl_signer *signer, uint8_t **out, size_t *outlen,
		     ctl_warnings *w, ctl_err *err);

/* The same layout with a signature of zeros: what phones would hold after
 * an update, for simulating it (plan --regenerate). Never written out: it
 * does not verify. The signer need not have an RSA key. */
ctl_status ctl_layout_unsigned(ctl_spec *s, X509 *signer_cert, uint8_t **out, size_t *outlen,
			       ctl_err *err);

/* The record bytes CUCM writes for one entry (tags 1-10 in order), or the
 * kept bytes of a raw entry. */
ctl_status ctl_record_bytes(const ctl_entry *e, uint8_t **out, size_t *outlen,
			    ctl_err *err);

/* Read a certificate file, PEM or DER. */
ctl_status ctl_cert_load(const char *path, X509 **out, ctl_err *err);

/* Signing with a key file: signer_pem.h. */

#endif

/* Signature verification of a parsed trust list. */
#ifndef CTLSIGN_VERIFY_H
#define CTLSIGN_VERIFY_H

#include <stdbool.h>
#include <time.h>

#include "ctl.h"

/* Certificates a verification may trust: the SAST records of another trust
 * list (the one phones hold now) or PEM/DER certificates. */
typedef struct ctl_trust {
	size_t n;
	X509 **certs;
	/* For certificates taken from a trust list: the record's ISSUERNAME
	 * (matched as phones match it); NULL for PEM/DER certificates. */
	char **issuers;
	char *source;        /* file it came from */
	bool from_trust_list;
} ctl_trust;

/* Load trust anchors from a PEM file (one or more certificates), a DER
 * certificate, or a CTL/ITL (its SAST records' certificates). */
ctl_status ctl_trust_load(const char *path, ctl_trust **out, ctl_err *err);
void ctl_trust_free(ctl_trust *t);

typedef struct ctl_verify_result {
	bool signer_found;      /* a candidate certificate matched serial + issuer */
	int signer_record;      /* 1-based record of this file that signed, 0: none */
	int signer_trust;       /* 1-based index in the trust anchors, 0: none */
	bool valid;             /* signature checks out with the signer's key */
	unsigned digest_code;   /* header DIGESTALGORITHM */
	int digest_nid;         /* digest named by the DigestInfo, NID_undef if none */
	bool old_numbering;     /* code matches only the older numbering */
	X509 *signer_cert;      /* borrowed: the certificate that verified; NULL when an
				 * old record without certificate verified by its PUBLICKEY */
	int signer_bits;        /* size of the key that verified */
	time_t signer_not_after;
	bool signer_expired;    /* at `now` */
	bool signer_expired_at_signing; /* at TIMESTAMP */
	char reason[CTL_ERR_MSG];  /* why the signature is not valid */
	char note[CTL_ERR_MSG];    /* informational, e.g. older numbering */
} ctl_verify_result;

/* Verify `f` (parsed from buf/len). Returns CTL_OK when the signature is
 * valid, CTL_E_VERIFY when it is not (res->reason says why; err as well),
 * another status when verification could not run. */
ctl_status ctl_verify(const uint8_t *buf, size_t len, const ctl_file *f,
		      const ctl_trust *trust, time_t now, ctl_verify_result *res,
		      ctl_err *err);

/* Short digest name for a DigestInfo NID ("SHA-1"...). */
const char *ctl_digest_nid_name(int nid);
/* Digest name for a header code under the current numbering ("SHA-1", "SHA-256",
 * "SHA-512"), NULL if unknown. */
const char *ctl_digest_code_name(unsigned code);
/* EVP_MD for a header code under the current numbering (NULL if unknown). */
const EVP_MD *ctl_digest_md(unsigned code);

#endif

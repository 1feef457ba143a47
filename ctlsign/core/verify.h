/* Signature verification of a parsed trust list. */
#ifndef CTLSIGN_VERIFY_H
#define CTLSIGN_VERIFY_H

#include <stdbool.h>
#include <time.h>

#include "ctl.h"

/* One certificate a verification may take as the signer: a record of a
 * trust list (a SAST record, or for an ITL a TFTP record of the CTL phones
 * hold) or a PEM/DER certificate. Phones find it by serial + issuer and
 * check the signature with its key. */
typedef struct ctl_anchor {
	X509 *cert;            /* NULL for an old record that carries only PUBLICKEY,
				* or a certificate read from its DER only */
	bool has_cert;         /* the record carries a certificate */
	EVP_PKEY *key;         /* NULL when the record has no usable key */
	uint8_t *serial;
	size_t serial_len;
	char *issuer;          /* the issuer string as the source writes it */
	int role;              /* FUNCTION of the record; -1 for a PEM/DER certificate */
	int record;            /* 1-based record of the source; 0 for PEM/DER */
	const char *source;    /* the file it came from (borrowed from the set) */
	char unusable[160];    /* "" or why it cannot identify a signer */
} ctl_anchor;

typedef struct ctl_trust {
	size_t n;
	ctl_anchor *a;
	size_t nsrc;
	char **src;            /* owned names of the sources */
	char *source;          /* the first source (for messages) */
	bool from_trust_list;
} ctl_trust;

/* Role sets for ctl_trust_add_file (bit 1u << role code). */
#define CTL_ROLES_SAST (1u << CTL_ROLE_SAST)
#define CTL_ROLES_TFTP ((1u << CTL_ROLE_CCM_TFTP) | (1u << CTL_ROLE_TFTP))

/* Load trust anchors from a PEM file (one or more certificates), a DER
 * certificate, or a CTL/ITL (its SAST records). */
ctl_status ctl_trust_load(const char *path, ctl_trust **out, ctl_err *err);
/* Add the records of a parsed trust list whose role is in `roles'. *t is
 * created when NULL. A record whose SERIALNUMBER or PUBLICKEY disagrees
 * with its CERTIFICATE is added as unusable (with the reason). */
ctl_status ctl_trust_add_file(ctl_trust **t, const ctl_file *f, const char *source,
			      unsigned roles, ctl_err *err);
void ctl_trust_free(ctl_trust *t);

typedef struct ctl_verify_opts {
	const ctl_trust *trust;  /* NULL: the file's own SAST records */
	time_t now;              /* for expiry reporting */
	/* Read digest codes 3 and 4 as the older numbering (3 = SHA-384,
	 * 4 = SHA-512) when the DigestInfo says so; off: only 1/2/3 as
	 * SHA-1/SHA-256/SHA-512. */
	bool legacy_digest_codes;
} ctl_verify_opts;

typedef struct ctl_verify_result {
	bool signer_found;      /* a candidate certificate matched serial + issuer */
	int signer_record;      /* 1-based record of this file that signed, 0: none */
	const ctl_anchor *anchor; /* with a trust set: the anchor that verified */
	bool ambiguous;         /* several candidates with different keys match */
	bool valid;             /* signature checks out with the signer's key */
	unsigned digest_code;   /* header DIGESTALGORITHM */
	int digest_nid;         /* digest named by the DigestInfo, NID_undef if none */
	bool old_numbering;     /* code read under the older numbering */
	X509 *signer_cert;      /* borrowed: the certificate that verified, when it was
				 * decoded (ctl_verify_signer_cert decodes it) */
	bool signer_has_cert;   /* false when an old record without certificate
				 * verified by its PUBLICKEY */
	int signer_bits;        /* size of the key that verified */
	time_t signer_not_after;
	bool signer_expired;    /* at `now` */
	bool signer_expired_at_signing; /* at TIMESTAMP */
	char reason[CTL_ERR_MSG];  /* why the signature is not valid */
	char note[CTL_ERR_MSG];    /* informational, e.g. older numbering */
	char warning[CTL_ERR_MSG]; /* a candidate record was skipped, and why */
} ctl_verify_result;

/* Verify `f` (parsed from buf/len). Returns CTL_OK when the signature is
 * valid, CTL_E_VERIFY when it is not (res->reason says why; err as well),
 * another status when verification could not run. */
ctl_status ctl_verify_ex(const uint8_t *buf, size_t len, const ctl_file *f,
			 const ctl_verify_opts *o, ctl_verify_result *res, ctl_err *err);
/* The same with default options. */
ctl_status ctl_verify(const uint8_t *buf, size_t len, const ctl_file *f,
		      const ctl_trust *trust, time_t now, ctl_verify_result *res,
		      ctl_err *err);

/* The signer's certificate of a valid result: res->signer_cert, or for a
 * file verified by its own records (whose signer's key is read from the
 * DER, not decoded) the signer record's, decoded now and kept by the
 * record. NULL when the signer has no certificate or it does not decode. */
X509 *ctl_verify_signer_cert(ctl_verify_result *res, const ctl_file *f);

/* Its facts (ctl_certinfo), read from the DER where ctl_certinfo_der can,
 * else from ctl_verify_signer_cert. CTL_E_MALFORMED when there is no
 * certificate to read. */
ctl_status ctl_verify_signer_info(ctl_verify_result *res, const ctl_file *f, ctl_certinfo *ci);

/* Short digest name for a DigestInfo NID ("SHA-1"...). */
const char *ctl_digest_nid_name(int nid);
/* Digest name for a header code under the current numbering ("SHA-1", "SHA-256",
 * "SHA-512"), NULL if unknown. */
const char *ctl_digest_code_name(unsigned code);
/* EVP_MD for a header code under the current numbering (NULL if unknown). */
const EVP_MD *ctl_digest_md(unsigned code);

#endif

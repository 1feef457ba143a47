/* The trust-list codec: a total parser, a byte-exact serializer, and the
 * decoded view of records that the commands print. */
#ifndef CTLSIGN_CTL_H
#define CTLSIGN_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "err.h"
#include "format.h"
#include "util.h"

typedef enum {
	CTL_TLV_PLAIN = 0,   /* tag, length, value */
	CTL_TLV_CONTAINER,   /* tag, length; the nested TLVs follow */
	CTL_TLV_PAD,         /* the single byte 0x0D */
} ctl_tlv_kind;

typedef struct ctl_tlv {
	size_t off;          /* offset in the file (set by parse and layout) */
	uint8_t tag;
	uint8_t kind;        /* ctl_tlv_kind */
	uint8_t depth;       /* container nesting level (header only) */
	uint16_t len;        /* value length, or a container's content length */
	const uint8_t *val;  /* the value, in the parsed bytes; NULL when len == 0 */
} ctl_tlv;

typedef struct ctl_record {
	size_t off;
	uint16_t len;        /* RECORDLENGTH */
	size_t ntlv;
	ctl_tlv *tlv;        /* in file order; tlv[0] is RECORDLENGTH */
	int idx;             /* 1-based record number */
	/* The CERTIFICATE decoded: a cache that ctl_rec_cert() fills on first
	 * use (ctl_parse() fills it for every record unless CTL_PARSE_LAZY).
	 * Not thread-safe: one file, one thread. */
	X509 *cert_cache;
	bool cert_tried;
} ctl_record;

typedef struct ctl_file {
	size_t size;         /* serialized size */
	uint16_t header_length;
	size_t nhdr;
	ctl_tlv *hdr;        /* header in file order, containers and padding included */
	size_t nrec;
	ctl_record *rec;
	uint8_t *bytes;      /* the file's bytes the values point into, when owned */
	ctl_tlv *rec_tlv;    /* every record's TLVs, one array (rec[i].tlv points in) */
} ctl_file;

/* Parse a whole trust list. Total: any input either yields a file that
 * ctl_serialize() turns back into exactly the same bytes, or an error with
 * the offset, tag and what was expected. The file keeps one copy of buf,
 * which the values point into, and every certificate is decoded (one that
 * does not decode is CTL_E_MALFORMED). */
ctl_status ctl_parse(const uint8_t *buf, size_t len, ctl_file **out, ctl_err *err);

enum {
	/* No copy: the values point into buf, which must outlive the file. */
	CTL_PARSE_BORROW = 1u << 0,
	/* Certificates are decoded when first asked for (ctl_rec_cert); the
	 * parse checks only their DER shape (ctl_der_cert_shape). */
	CTL_PARSE_LAZY = 1u << 1,
};
ctl_status ctl_parse_ex(const uint8_t *buf, size_t len, unsigned flags, ctl_file **out,
			ctl_err *err);

/* The record's certificate, decoded on first use and owned by the record;
 * NULL when it has none or it does not decode. */
X509 *ctl_rec_cert(const ctl_record *r);
/* The same, a certificate that does not decode being CTL_E_MALFORMED at its
 * offset (*out NULL). A record without CERTIFICATE: CTL_OK, *out NULL. */
ctl_status ctl_rec_cert_get(const ctl_record *r, X509 **out, ctl_err *err);
/* x encodes to exactly these DER bytes (false for NULL). */
bool ctl_cert_der_is(X509 *x, const uint8_t *der, size_t len);
/* A certificate decoded already (a builder's own): the record takes a
 * reference when its CERTIFICATE is exactly x's DER and it has decoded
 * none yet. False, and nothing changed, otherwise. */
bool ctl_rec_cert_adopt(ctl_record *r, X509 *x);
/* Drop the decoded certificate (decoded again if asked for): printing a
 * long list one record at a time holds one certificate, not all. */
void ctl_rec_cert_release(ctl_record *r);

/* A certificate's DER shape, checked without decoding it: one SEQUENCE
 * filling len exactly, of tbsCertificate (version, serial, algorithm,
 * issuer, validity of two times, subject, key, then the tagged optional
 * fields in order), algorithm and BIT STRING, each length definite and
 * inside its parent. What the fields hold is OpenSSL's to judge when the
 * certificate is decoded (ctl_rec_cert). *not_after (may be NULL): the
 * validity's end, (time_t)-1 when it does not read as a UTCTime or
 * GeneralizedTime. */
bool ctl_der_cert_shape(const uint8_t *p, size_t len, time_t *not_after);
/* A span of DER inside a certificate's bytes (borrowed). */
typedef struct ctl_der_span {
	const uint8_t *p;
	size_t n;
} ctl_der_span;
/* The fields verification reads, located by the same walk as
 * ctl_der_cert_shape (false when that fails): what a signer lookup needs
 * without decoding the certificate. Times are (time_t)-1 when they do not
 * read as the RFC 5280 forms. */
typedef struct ctl_cert_der {
	ctl_der_span serial;   /* the INTEGER's contents */
	ctl_der_span issuer;   /* the Name, header included */
	ctl_der_span subject;
	ctl_der_span spki;     /* SubjectPublicKeyInfo, header included */
	time_t not_before, not_after;
} ctl_cert_der;
bool ctl_der_cert_read(const uint8_t *p, size_t len, ctl_cert_der *out); /* out may be NULL */
/* A serial in its one DER form and not negative: its magnitude (the sign
 * byte dropped), as ctl_serial_bytes gives it. False otherwise (the caller
 * decodes the certificate). */
bool ctl_der_serial_magnitude(const ctl_der_span *serial, ctl_der_span *out);
/* An RSA key the way every builder writes it: algorithm rsaEncryption
 * with NULL parameters, no unused bits, and an RSAPublicKey in its one
 * DER encoding filling the BIT STRING. *key: that RSAPublicKey. False for
 * anything else (other algorithms, other encodings), which the caller
 * leaves to OpenSSL. */
bool ctl_der_spki_rsa(const ctl_der_span *spki, ctl_der_span *key);
/* An RSAPublicKey (PKCS #1) in DER, the one encoding of its key: then a
 * certificate's subjectPublicKey bits are the PUBLICKEY a record carries,
 * without encoding the key again. */
bool ctl_der_rsa_pubkey_canonical(const uint8_t *p, size_t len);
/* Emit the file as it is (no recomputation). *out is malloc'd. */
ctl_status ctl_serialize(const ctl_file *f, uint8_t **out, size_t *outlen, ctl_err *err);
void ctl_free(ctl_file *f);

/* Lookup helpers: first TLV with this tag, NULL if absent. */
const ctl_tlv *ctl_hdr_find(const ctl_file *f, unsigned tag);
const ctl_tlv *ctl_rec_find(const ctl_record *r, unsigned tag);

/* Value helpers (return false when absent or of the wrong size). */
bool ctl_tlv_u8(const ctl_tlv *t, unsigned *v);
bool ctl_tlv_u16(const ctl_tlv *t, unsigned *v);
bool ctl_tlv_u32(const ctl_tlv *t, uint32_t *v);
/* The NUL-terminated string in a TLV; "" when absent. */
const char *ctl_tlv_str(const ctl_tlv *t);

/* Record role code, -1 when the record has no FUNCTION. */
int ctl_rec_function(const ctl_record *r);
/* The signed bytes: the file without the SIGNATURE TLV, as the two runs of
 * file around it (no copy: a 4 MiB list is not held twice). */
typedef struct ctl_signed {
	const uint8_t *p[2];
	size_t n[2];
} ctl_signed;
ctl_status ctl_signed_bytes(const uint8_t *file, size_t len, const ctl_file *f,
			    ctl_signed *out, ctl_err *err);
/* "CTL" or "ITL", from FILENAME (falls back to "CTL"). */
const char *ctl_kind(const ctl_file *f);

/* Certificate-derived facts, decoded. */
typedef struct ctl_certinfo {
	char *subject;       /* CUCM name string */
	char *issuer;
	char serial_hex[128];/* "24:49:1F:..." unsigned magnitude */
	char key_type[16];   /* "RSA", "EC", ... */
	int key_bits;
	char curve[32];      /* EC curve short name, "" otherwise */
	uint8_t sha1[20];
	time_t not_before;
	time_t not_after;
} ctl_certinfo;

ctl_status ctl_certinfo_get(X509 *cert, ctl_certinfo *ci, ctl_err *err);
/* The same without the fingerprint (sha1 left zero): for checks, which
 * need no SHA-1 of every certificate. */
ctl_status ctl_certinfo_nofp(X509 *cert, ctl_certinfo *ci, ctl_err *err);
void ctl_certinfo_free(ctl_certinfo *ci);
/* An RSAPublicKey (PKCS #1) in DER filling exactly n bytes, as a key (the
 * caller's to free); NULL when it does not decode. No decoder framework:
 * what PUBLICKEY records and the certificates read from their DER use. */
EVP_PKEY *ctl_rsa_pubkey_der(const uint8_t *p, size_t n);
/* A certificate in the forms read without decoding it (ctl_der_cert_read,
 * ctl_der_serial_magnitude, ctl_der_spki_rsa): its RSA key (the caller's to
 * free), with its fields, serial magnitude and key bytes; NULL for any
 * other form, which the caller leaves to OpenSSL. */
EVP_PKEY *ctl_der_cert_rsa(const uint8_t *der, size_t len, ctl_cert_der *cd,
			   ctl_der_span *serial, ctl_der_span *key);
/* The same facts read from a certificate's DER without decoding it (see
 * ctl_record_key_der): CTL_OK for an RSA certificate ctl_der_cert_rsa
 * reads, with names that decode and RFC 5280 times; else CTL_E_MALFORMED, for
 * the caller to decode it and take ctl_certinfo_get. */
ctl_status ctl_certinfo_der(const uint8_t *der, size_t len, ctl_certinfo *ci);

/* CUCM name string (CN;OU;O;L;ST;C then others in DER order). malloc'd. */
char *ctl_name_string(const X509_NAME *name);
/* Can the name be written as a name string? A NUL byte inside an attribute
 * would cut SUBJECTNAME short where phones read it: CTL_E_REFUSED, naming
 * `what' ("subject", "issuer"); an undecodable string: CTL_E_MALFORMED. */
ctl_status ctl_name_check(const X509_NAME *name, const char *what, ctl_err *err);
/* Unsigned big-endian magnitude of a certificate serial. malloc'd, *n >= 1. */
uint8_t *ctl_serial_bytes(const X509 *cert, size_t *n);
/* Parse a DER certificate that must fill exactly len bytes. */
X509 *ctl_der_cert(const uint8_t *p, size_t len);

#endif

/* Verify a trust list's RSA PKCS#1 v1.5 signature the way a phone does:
 * find the signer by serial + issuer among SAST certificates, recompute the
 * signed bytes, and check the DigestInfo against the header's digest code. */
#include "verify.h"

#include "fetch.h"
#include "io.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *ctl_digest_nid_name(int nid)
{
	switch (nid) {
	case NID_sha1: return "SHA-1";
	case NID_sha224: return "SHA-224";
	case NID_sha256: return "SHA-256";
	case NID_sha384: return "SHA-384";
	case NID_sha512: return "SHA-512";
	case NID_md5: return "MD5";
	default: return "unknown digest";
	}
}

const char *ctl_digest_code_name(unsigned code)
{
	switch (code) {
	case CTL_DIGEST_SHA1: return "SHA-1";
	case CTL_DIGEST_SHA256: return "SHA-256";
	case CTL_DIGEST_SHA512: return "SHA-512";
	default: return NULL;
	}
}

const EVP_MD *ctl_digest_md(unsigned code)
{
	switch (code) {
	case CTL_DIGEST_SHA1: return EVP_sha1();
	case CTL_DIGEST_SHA256: return EVP_sha256();
	case CTL_DIGEST_SHA512: return EVP_sha512();
	default: return NULL;
	}
}

void ctl_trust_free(ctl_trust *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		X509_free(t->certs[i]);
		free(t->issuers ? t->issuers[i] : NULL);
	}
	free(t->certs);
	free(t->issuers);
	free(t->source);
	free(t);
}

/* Takes x (and issuer) on success only. */
static bool trust_add(ctl_trust *t, X509 *x, const char *issuer)
{
	X509 **p = realloc(t->certs, (t->n + 1) * sizeof(*p));
	char **q;
	char *dup = NULL;

	if (!p)
		return false;
	t->certs = p;
	if (!(q = realloc(t->issuers, (t->n + 1) * sizeof(*q))))
		return false;
	t->issuers = q;
	if (issuer && !(dup = strdup(issuer)))
		return false;
	t->certs[t->n] = x;
	t->issuers[t->n] = dup;
	t->n++;
	return true;
}

ctl_status ctl_trust_load(const char *path, ctl_trust **out, ctl_err *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	ctl_trust *t;
	ctl_status rc;

	*out = NULL;
	if ((rc = ctl_read_input(path, CTL_FILE_MAX, &buf, &len, err)))
		return rc;
	if (!(t = calloc(1, sizeof(*t))) || !(t->source = strdup(path))) {
		free(t);
		free(buf);
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	}
	if (len >= 10 && memmem(buf, len, "-----BEGIN", 10)) {
		BIO *bio = BIO_new_mem_buf(buf, (int)len);
		X509 *x;

		while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
			if (!trust_add(t, x, NULL)) {
				X509_free(x);
				break;
			}
		BIO_free(bio);
		ERR_clear_error();
		if (t->n == 0) {
			rc = ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
					 "PEM file holds no readable certificate");
			goto fail;
		}
	} else {
		X509 *x = ctl_der_cert(buf, len);
		ctl_file *f = NULL;

		ERR_clear_error();
		if (x) {
			if (!trust_add(t, x, NULL)) {
				X509_free(x);
				rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
				goto fail;
			}
		} else {
			if ((rc = ctl_parse(buf, len, &f, err)))
				goto fail;
			t->from_trust_list = true;
			for (size_t i = 0; i < f->nrec; i++) {
				ctl_record *r = &f->rec[i];
				if (ctl_rec_function(r) != CTL_ROLE_SAST || !r->cert)
					continue;
				X509_up_ref(r->cert);
				if (!trust_add(t, r->cert,
					       ctl_tlv_str(ctl_rec_find(r, CTL_R_ISSUERNAME))))
					X509_free(r->cert);
			}
			ctl_free(f);
			if (t->n == 0) {
				rc = ctl_err_set(err, CTL_E_VERIFY, -1, -1, -1,
						 "trust list has no SAST record with a certificate");
				goto fail;
			}
		}
	}
	free(buf);
	*out = t;
	return CTL_OK;
fail:
	free(buf);
	ctl_trust_free(t);
	return rc;
}

/* Serials compare as unsigned magnitudes: leading zero bytes do not count. */
static bool serial_eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	while (an > 1 && *a == 0)
		a++, an--;
	while (bn > 1 && *b == 0)
		b++, bn--;
	return an == bn && memcmp(a, b, an) == 0;
}

/* Names compared the loose way: case and the old Windows client's quotes
 * ignored (`cn=Cisco Manufacturing CA;o=Cisco Systems' is the CUCM string
 * `CN=Cisco Manufacturing CA;O=Cisco Systems'). */
static bool name_loose_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == '"')
			a++;
		while (*b == '"')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
		a++, b++;
	}
}

/* A trust anchor matches the header's serial and CANAME: by the record's
 * ISSUERNAME when it came from a trust list (as phones match), else by the
 * certificate's issuer written as CUCM writes it. */
static bool cert_matches(X509 *x, const char *record_issuer, const ctl_tlv *serial,
			 const char *caname)
{
	size_t sn;
	uint8_t *s = ctl_serial_bytes(x, &sn);
	char *iss;
	bool ok;

	if (!s)
		return false;
	ok = serial_eq(s, sn, serial->val, serial->len);
	free(s);
	if (!ok)
		return false;
	if (record_issuer)
		return strcmp(record_issuer, caname) == 0;
	iss = ctl_name_string(X509_get_issuer_name(x));
	ok = iss && name_loose_eq(iss, caname);
	free(iss);
	return ok;
}

/* Check one candidate key. Returns true when the signature is valid; on
 * false, res->reason says why. */
static bool check_with(EVP_PKEY *pk, const ctl_tlv *sig, const uint8_t *tbs,
		       size_t tbslen, unsigned code, ctl_verify_result *res)
{
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *mctx = NULL;
	uint8_t rec[512], md[EVP_MAX_MD_SIZE];
	size_t reclen = sizeof(rec);
	unsigned mdlen = 0;
	X509_SIG *di = NULL;
	const X509_ALGOR *alg;
	const ASN1_OCTET_STRING *dig;
	const unsigned char *p;
	unsigned char *reenc = NULL;
	const EVP_MD *evmd;
	int nid, reenclen;
	bool ok = false;

	res->digest_nid = NID_undef;
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		snprintf(res->reason, sizeof(res->reason),
			 "signer key is not RSA; trust lists are signed with RSA only");
		return false;
	}
	if ((size_t)EVP_PKEY_get_size(pk) != sig->len) {
		snprintf(res->reason, sizeof(res->reason),
			 "SIGNATURE is %u bytes but the signer's key is %d-bit (%d bytes)",
			 sig->len, EVP_PKEY_get_bits(pk), EVP_PKEY_get_size(pk));
		return false;
	}
	if (!(pctx = EVP_PKEY_CTX_new(pk, NULL)) || EVP_PKEY_verify_recover_init(pctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_verify_recover(pctx, rec, &reclen, sig->val, sig->len) <= 0) {
		snprintf(res->reason, sizeof(res->reason),
			 "signature does not open to a PKCS#1 v1.5 block with the signer's key "
			 "(corrupted signature or a different key)");
		goto out;
	}
	p = rec;
	if (!(di = d2i_X509_SIG(NULL, &p, (long)reclen)) || p != rec + reclen) {
		snprintf(res->reason, sizeof(res->reason),
			 "signature holds no DigestInfo (%zu bytes recovered)", reclen);
		goto out;
	}
	reenclen = i2d_X509_SIG(di, &reenc);
	if (reenclen != (int)reclen || memcmp(reenc, rec, reclen) != 0) {
		snprintf(res->reason, sizeof(res->reason),
			 "signature's DigestInfo is not in DER form");
		goto out;
	}
	X509_SIG_get0(di, &alg, &dig);
	nid = OBJ_obj2nid(alg->algorithm);
	res->digest_nid = nid;
	switch (nid) {
	case NID_sha1:
	case NID_sha256:
	case NID_sha384:
	case NID_sha512:
		evmd = EVP_get_digestbynid(nid);
		break;
	default:
		snprintf(res->reason, sizeof(res->reason),
			 "signature's DigestInfo names %s, not a SHA digest trust lists use",
			 ctl_digest_nid_name(nid));
		goto out;
	}
	if (!evmd || !EVP_Digest(tbs, tbslen, md, &mdlen, evmd, NULL) ||
	    (unsigned)ASN1_STRING_length(dig) != mdlen ||
	    CRYPTO_memcmp(ASN1_STRING_get0_data(dig), md, mdlen) != 0) {
		snprintf(res->reason, sizeof(res->reason),
			 "%s digest of the signed bytes does not match the signature: "
			 "the file was changed after it was signed",
			 ctl_digest_nid_name(nid));
		goto out;
	}
	/* Belt and braces: the library's own strict PKCS#1 v1.5 check. */
	if (!(mctx = EVP_MD_CTX_new()) ||
	    EVP_DigestVerifyInit(mctx, NULL, evmd, NULL, pk) <= 0 ||
	    EVP_DigestVerify(mctx, sig->val, sig->len, tbs, tbslen) != 1) {
		snprintf(res->reason, sizeof(res->reason),
			 "PKCS#1 v1.5 verification failed");
		goto out;
	}
	/* The phone hashes with the algorithm the header names: both must agree. */
	if ((nid == NID_sha1 && code == CTL_DIGEST_SHA1) ||
	    (nid == NID_sha256 && code == CTL_DIGEST_SHA256) ||
	    (nid == NID_sha512 && code == CTL_DIGEST_SHA512)) {
		ok = true;
	} else if ((nid == NID_sha384 && code == CTL_DIGEST_OLD_SHA384) ||
		   (nid == NID_sha512 && code == CTL_DIGEST_OLD_SHA512)) {
		ok = true;
		res->old_numbering = true;
		snprintf(res->note, sizeof(res->note),
			 "DIGESTALGORITHM %u means %s only under the older numbering "
			 "(3 = SHA-384, 4 = SHA-512); current builders write %s",
			 code, ctl_digest_nid_name(nid),
			 nid == NID_sha512 ? "3 for SHA-512" : "no code for SHA-384");
	} else {
		const char *cn = ctl_digest_code_name(code);
		snprintf(res->reason, sizeof(res->reason),
			 "header DIGESTALGORITHM is %u (%s) but the signature's DigestInfo "
			 "names %s: phones would hash with the wrong algorithm",
			 code, cn ? cn : "unknown code", ctl_digest_nid_name(nid));
	}
out:
	ERR_clear_error();
	OPENSSL_free(reenc);
	X509_SIG_free(di);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	OPENSSL_cleanse(rec, sizeof(rec));
	return ok;
}

/* Key of a SAST record: its certificate, else its PUBLICKEY (old records). */
static EVP_PKEY *record_key(const ctl_record *r, bool *owned)
{
	const ctl_tlv *pkt;
	const unsigned char *p;

	*owned = false;
	if (r->cert)
		return X509_get0_pubkey(r->cert);
	if (!(pkt = ctl_rec_find(r, CTL_R_PUBLICKEY)))
		return NULL;
	p = pkt->val;
	*owned = true;
	return d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, pkt->len);
}

static void expiry(ctl_verify_result *res, X509 *x, time_t now, uint32_t ts)
{
	ctl_certinfo ci;

	if (!x || ctl_certinfo_get(x, &ci, NULL))
		return;
	res->signer_not_after = ci.not_after;
	res->signer_expired = ci.not_after != (time_t)-1 && ci.not_after < now;
	res->signer_expired_at_signing = ci.not_after != (time_t)-1 &&
					 ci.not_after < (time_t)ts;
	ctl_certinfo_free(&ci);
}

ctl_status ctl_verify(const uint8_t *buf, size_t len, const ctl_file *f,
		      const ctl_trust *trust, time_t now, ctl_verify_result *res,
		      ctl_err *err)
{
	const ctl_tlv *serial = ctl_hdr_find(f, CTL_H_SERIALNUMBER);
	const ctl_tlv *sig = ctl_hdr_find(f, CTL_H_SIGNATURE);
	const char *caname = ctl_tlv_str(ctl_hdr_find(f, CTL_H_CANAME));
	uint8_t *tbs = NULL;
	size_t tbslen = 0;
	uint32_t ts = 0;
	unsigned code = 0;
	ctl_status rc;
	int issuer_mismatch = 0;

	memset(res, 0, sizeof(*res));
	res->digest_nid = NID_undef;
	if (!serial || !sig || !ctl_tlv_u8(ctl_hdr_find(f, CTL_H_DIGESTALGORITHM), &code))
		return ctl_err_set(err, CTL_E_MALFORMED, -1, -1, 0,
				   "header lacks SERIALNUMBER, SIGNATURE or DIGESTALGORITHM");
	res->digest_code = code;
	ctl_tlv_u32(ctl_hdr_find(f, CTL_H_TIMESTAMP), &ts);
	if ((rc = ctl_signed_bytes(buf, len, f, &tbs, &tbslen, err)))
		return rc;

	if (trust) {
		for (size_t i = 0; i < trust->n && !res->valid; i++) {
			EVP_PKEY *pk = X509_get0_pubkey(trust->certs[i]);

			if (!cert_matches(trust->certs[i], trust->issuers ? trust->issuers[i] : NULL, serial,
					  caname))
				continue;
			res->signer_found = true;
			if (!pk) {
				snprintf(res->reason, sizeof(res->reason),
					 "trusted certificate %zu of %s has no usable public key",
					 i + 1, trust->source);
				continue;
			}
			if (check_with(pk, sig, tbs, tbslen, code, res)) {
				res->valid = true;
				res->signer_trust = (int)i + 1;
				res->signer_cert = trust->certs[i];
				res->signer_bits = EVP_PKEY_get_bits(pk);
			}
		}
	}
	for (size_t i = 0; i < f->nrec && (trust ? !res->signer_record : !res->valid); i++) {
		const ctl_record *r = &f->rec[i];
		const ctl_tlv *rs = ctl_rec_find(r, CTL_R_SERIALNUMBER);
		bool owned;
		EVP_PKEY *pk;

		if (ctl_rec_function(r) != CTL_ROLE_SAST || !rs ||
		    !serial_eq(rs->val, rs->len, serial->val, serial->len))
			continue;
		if (strcmp(ctl_tlv_str(ctl_rec_find(r, CTL_R_ISSUERNAME)), caname) != 0) {
			issuer_mismatch = (int)i + 1;
			continue;
		}
		if (trust) {
			/* Only note that the signer is listed in this file too. */
			res->signer_record = (int)i + 1;
			break;
		}
		res->signer_found = true;
		if (!(pk = record_key(r, &owned))) {
			ERR_clear_error();
			snprintf(res->reason, sizeof(res->reason),
				 "signer record %zu has no usable public key (its %s does not decode)",
				 i + 1, r->cert ? "certificate's key" : "PUBLICKEY");
			continue;
		}
		if (check_with(pk, sig, tbs, tbslen, code, res)) {
			res->valid = true;
			res->signer_record = (int)i + 1;
			res->signer_cert = r->cert;
			res->signer_bits = EVP_PKEY_get_bits(pk);
		}
		if (owned)
			EVP_PKEY_free(pk);
	}
	free(tbs);

	if (res->valid) {
		expiry(res, res->signer_cert, now, ts);
		res->reason[0] = '\0';
		return CTL_OK;
	}
	if (!res->signer_found) {
		char hex[128];
		ctl_hex_colon(serial->val, serial->len, hex, sizeof(hex));
		if (trust)
			snprintf(res->reason, sizeof(res->reason),
				 "signer (serial %s, issuer \"%s\") is not trusted: no SAST certificate in %s matches",
				 hex, caname, trust->source);
		else if (issuer_mismatch)
			snprintf(res->reason, sizeof(res->reason),
				 "signer serial %s matches SAST record %d but its issuer differs from CANAME \"%s\"",
				 hex, issuer_mismatch, caname);
		else
			snprintf(res->reason, sizeof(res->reason),
				 "signer (serial %s, issuer \"%s\") is not among the SAST records",
				 hex, caname);
	}
	return ctl_err_set(err, CTL_E_VERIFY, -1, -1, -1, "%s", res->reason);
}

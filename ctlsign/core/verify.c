/* Verify a trust list's RSA PKCS#1 v1.5 signature the way a phone does:
 * find the signer by serial + issuer among SAST certificates, recompute the
 * signed bytes, and check the DigestInfo against the header's digest code. */
#include "verify.h"

#include "fetch.h"
#include "identity.h"
#include "io.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

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
		X509_free(t->a[i].cert);
		EVP_PKEY_free(t->a[i].key);
		free(t->a[i].serial);
		free(t->a[i].issuer);
	}
	for (size_t i = 0; i < t->nsrc; i++)
		free(t->src[i]);
	free(t->src);
	free(t->a);
	free(t);
}

static ctl_trust *trust_new(void)
{
	return calloc(1, sizeof(ctl_trust));
}

/* Remember a source name; the anchors borrow it. */
static const char *trust_source(ctl_trust *t, const char *source)
{
	char **p, *d;

	for (size_t i = 0; i < t->nsrc; i++)
		if (!strcmp(t->src[i], source))
			return t->src[i];
	if (!(d = strdup(source)) || !(p = realloc(t->src, (t->nsrc + 1) * sizeof(*p)))) {
		free(d);
		return NULL;
	}
	t->src = p;
	t->src[t->nsrc++] = d;
	if (!t->source)
		t->source = d;
	return d;
}

static ctl_anchor *anchor_push(ctl_trust *t)
{
	ctl_anchor *p = realloc(t->a, (t->n + 1) * sizeof(*p));

	if (!p)
		return NULL;
	t->a = p;
	memset(&p[t->n], 0, sizeof(*p));
	return &p[t->n++];
}

/* A PEM or DER certificate as an anchor (takes x on success). */
static bool trust_add_cert(ctl_trust *t, X509 *x, const char *source)
{
	ctl_anchor *a;
	const char *src = trust_source(t, source);
	uint8_t *serial;
	size_t sn = 0;
	char *iss;

	if (!src)
		return false;
	serial = ctl_serial_bytes(x, &sn);
	iss = ctl_name_string(X509_get_issuer_name(x));
	if (!serial || !iss || !(a = anchor_push(t))) {
		free(serial);
		free(iss);
		return false;
	}
	a->cert = x;
	a->has_cert = true;
	a->key = X509_get_pubkey(x);
	ERR_clear_error();
	a->serial = serial;
	a->serial_len = sn;
	a->issuer = iss;
	a->role = -1;
	a->source = src;
	if (!a->key)
		snprintf(a->unusable, sizeof(a->unusable), "its public key does not decode");
	return true;
}

/* serial: only the records with this SERIALNUMBER (NULL: all). der: keys
 * read from the certificates' DER where they can be (ctl_record_key_der),
 * the certificates left undecoded; only for the file being verified,
 * whose records outlive the result (ctl_verify_signer_cert). */
static ctl_status trust_add_records(ctl_trust **tp, const ctl_file *f, const char *source,
				    unsigned roles, const ctl_tlv *serial, bool der, ctl_err *err)
{
	ctl_trust *t = *tp;
	const char *src;

	if (!t && !(t = *tp = trust_new()))
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	if (!(src = trust_source(t, source)))
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	t->from_trust_list = true;
	for (size_t i = 0; i < f->nrec; i++) {
		const ctl_record *r = &f->rec[i];
		const ctl_tlv *rs = ctl_rec_find(r, CTL_R_SERIALNUMBER);
		int role = ctl_rec_function(r);
		char why[sizeof(((ctl_anchor *)0)->unusable)];
		EVP_PKEY *dk = NULL, *pk;
		ctl_anchor *a;
		bool owned, from_der;
		X509 *x = NULL;
		ctl_status rc;

		if (role < 0 || role > 31 || !(roles & (1u << role)) || !rs || !rs->len ||
		    (serial && !ctl_serial_eq(rs->val, rs->len, serial->val, serial->len)))
			continue;
		/* A list parsed with CTL_PARSE_LAZY: its anchors' certificates are
		 * decoded here (or only read, with der), the others never. */
		from_der = der && ctl_record_key_der(r, &dk, why, sizeof(why));
		if (!from_der && (rc = ctl_rec_cert_get(r, &x, err)))
			return rc;
		if (!(a = anchor_push(t))) {
			EVP_PKEY_free(dk);
			return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		}
		a->key = dk;
		a->has_cert = from_der || x;
		a->role = role;
		a->record = (int)i + 1;
		a->source = src;
		a->serial_len = rs->len;
		a->serial = malloc(rs->len);
		a->issuer = strdup(ctl_tlv_str(ctl_rec_find(r, CTL_R_ISSUERNAME)));
		if (!a->serial || !a->issuer)
			return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		memcpy(a->serial, rs->val, rs->len);
		if (from_der) {
			if (why[0])
				snprintf(a->unusable, sizeof(a->unusable), "%s", why);
			continue;
		}
		if (x && !X509_up_ref(x))
			return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		a->cert = x;
		pk = ctl_record_pubkey(r, &owned);
		if (pk && !owned && !EVP_PKEY_up_ref(pk))
			pk = NULL;
		a->key = pk;
		ERR_clear_error();
		if (!ctl_record_consistent(r, a->unusable, sizeof(a->unusable)))
			continue;
		if (!a->key)
			snprintf(a->unusable, sizeof(a->unusable), "its %s does not decode",
				 x ? "certificate's key" : "PUBLICKEY");
	}
	return CTL_OK;
}

ctl_status ctl_trust_add_file(ctl_trust **tp, const ctl_file *f, const char *source,
			      unsigned roles, ctl_err *err)
{
	return trust_add_records(tp, f, source, roles, NULL, false, err);
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
	if (!(t = trust_new())) {
		free(buf);
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	}
	if (ctl_is_pem(buf, len)) {
		BIO *bio = BIO_new_mem_buf(buf, (int)len);
		X509 *x;

		while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
			if (!trust_add_cert(t, x, path)) {
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
			if (!trust_add_cert(t, x, path)) {
				X509_free(x);
				rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
				goto fail;
			}
		} else {
			if ((rc = ctl_parse(buf, len, &f, err)))
				goto fail;
			rc = ctl_trust_add_file(&t, f, path, CTL_ROLES_SAST, err);
			ctl_free(f);
			if (rc)
				goto fail;
			if (t->n == 0) {
				rc = ctl_err_set(err, CTL_E_VERIFY, -1, -1, -1,
						 "trust list has no SAST record");
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

/* Check one candidate key. Returns true when the signature is valid; on
 * false, res->reason says why. */
static bool tbs_digest(const ctl_signed *t, const EVP_MD *md, uint8_t *out, unsigned *outlen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = c && EVP_DigestInit_ex(c, md, NULL) && EVP_DigestUpdate(c, t->p[0], t->n[0]) &&
		  EVP_DigestUpdate(c, t->p[1], t->n[1]) && EVP_DigestFinal_ex(c, out, outlen);

	EVP_MD_CTX_free(c);
	return ok;
}

static bool check_with(EVP_PKEY *pk, const ctl_tlv *sig, const ctl_signed *tbs,
		       unsigned code, bool legacy, ctl_verify_result *res)
{
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t rec[512], md[EVP_MAX_MD_SIZE];
	size_t reclen = sizeof(rec);
	unsigned mdlen = 0;
	X509_SIG *di = NULL;
	const X509_ALGOR *alg;
	const ASN1_OCTET_STRING *dig;
	const unsigned char *p;
	unsigned char *reenc = NULL;
	const EVP_MD *evmd;
	EVP_MD *fetched = NULL;
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
		/* Fetched by name from the provider: the legacy name tables
		 * (EVP_get_digestbynid) are not set up for verify and show. */
		evmd = fetched = EVP_MD_fetch(NULL, OBJ_nid2sn(nid), NULL);
		break;
	default:
		snprintf(res->reason, sizeof(res->reason),
			 "signature's DigestInfo names %s, not a SHA digest trust lists use",
			 ctl_digest_nid_name(nid));
		goto out;
	}
	if (!evmd || !tbs_digest(tbs, evmd, md, &mdlen) ||
	    (unsigned)ASN1_STRING_length(dig) != mdlen ||
	    CRYPTO_memcmp(ASN1_STRING_get0_data(dig), md, mdlen) != 0) {
		snprintf(res->reason, sizeof(res->reason),
			 "%s digest of the signed bytes does not match the signature: "
			 "the file was changed after it was signed",
			 ctl_digest_nid_name(nid));
		goto out;
	}
	/* Belt and braces: the library's own strict PKCS#1 v1.5 check, of the
	 * digest just made (the bytes are not hashed twice). */
	EVP_PKEY_CTX_free(pctx);
	if (!(pctx = EVP_PKEY_CTX_new(pk, NULL)) || EVP_PKEY_verify_init(pctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(pctx, evmd) <= 0 ||
	    EVP_PKEY_verify(pctx, sig->val, sig->len, md, mdlen) != 1) {
		snprintf(res->reason, sizeof(res->reason),
			 "PKCS#1 v1.5 verification failed");
		goto out;
	}
	/* The phone hashes with the algorithm the header names: both must agree. */
	if ((nid == NID_sha1 && code == CTL_DIGEST_SHA1) ||
	    (nid == NID_sha256 && code == CTL_DIGEST_SHA256) ||
	    (nid == NID_sha512 && code == CTL_DIGEST_SHA512)) {
		ok = true;
	} else if (((nid == NID_sha384 && code == CTL_DIGEST_OLD_SHA384) ||
		    (nid == NID_sha512 && code == CTL_DIGEST_OLD_SHA512)) && legacy) {
		ok = true;
		res->old_numbering = true;
		snprintf(res->note, sizeof(res->note),
			 "DIGESTALGORITHM %u read as %s under the older numbering "
			 "(3 = SHA-384, 4 = SHA-512); current builders write %s",
			 code, ctl_digest_nid_name(nid),
			 nid == NID_sha512 ? "3 for SHA-512" : "no code for SHA-384");
	} else {
		const char *cn = ctl_digest_code_name(code);
		bool older = (nid == NID_sha384 && code == CTL_DIGEST_OLD_SHA384) ||
			     (nid == NID_sha512 && code == CTL_DIGEST_OLD_SHA512);
		snprintf(res->reason, sizeof(res->reason),
			 "header DIGESTALGORITHM is %u (%s) but the signature's DigestInfo "
			 "names %s: phones would hash with the wrong algorithm%s",
			 code, cn ? cn : "unknown code", ctl_digest_nid_name(nid),
			 older ? " (under the older numbering, 3 = SHA-384 and 4 = SHA-512, they "
				 "agree: --legacy-digest-codes reads it that way)" : "");
	}
out:
	ERR_clear_error();
	OPENSSL_free(reenc);
	X509_SIG_free(di);
	EVP_PKEY_CTX_free(pctx);
	EVP_MD_free(fetched);
	OPENSSL_cleanse(rec, sizeof(rec));
	return ok;
}

/* The record of f whose certificate verified without being decoded (a file
 * verified by its own records), NULL otherwise. */
static const ctl_record *undecoded_signer(const ctl_verify_result *res, const ctl_file *f)
{
	if (res->signer_cert || !res->valid || !res->signer_has_cert || res->anchor || !f ||
	    res->signer_record <= 0 || (size_t)res->signer_record > f->nrec)
		return NULL;
	return &f->rec[res->signer_record - 1];
}

X509 *ctl_verify_signer_cert(ctl_verify_result *res, const ctl_file *f)
{
	const ctl_record *r = undecoded_signer(res, f);

	if (r) {
		res->signer_cert = ctl_rec_cert(r);
		ERR_clear_error();
	}
	return res->signer_cert;
}

ctl_status ctl_verify_signer_info(ctl_verify_result *res, const ctl_file *f, ctl_certinfo *ci)
{
	const ctl_record *r = undecoded_signer(res, f);
	const ctl_tlv *ct = r ? ctl_rec_find(r, CTL_R_CERTIFICATE) : NULL;
	X509 *x;

	if (ct && ctl_certinfo_der(ct->val, ct->len, ci) == CTL_OK)
		return CTL_OK;
	memset(ci, 0, sizeof(*ci));
	if (!(x = ctl_verify_signer_cert(res, f)))
		return CTL_E_MALFORMED;
	return ctl_certinfo_get(x, ci, NULL);
}

/* The signer's end of validity: from the DER of a certificate left
 * undecoded, unless it does not read there. */
static void expiry(ctl_verify_result *res, const ctl_file *f, time_t now, uint32_t ts)
{
	const ctl_record *r = undecoded_signer(res, f);
	const ctl_tlv *ct = r ? ctl_rec_find(r, CTL_R_CERTIFICATE) : NULL;
	ctl_certinfo ci;
	time_t na = (time_t)-1;

	if (ct)
		ctl_der_cert_shape(ct->val, ct->len, &na);
	if (na == (time_t)-1) {
		X509 *x = ctl_verify_signer_cert(res, f);

		if (!x || ctl_certinfo_nofp(x, &ci, NULL))
			return;
		na = ci.not_after;
		ctl_certinfo_free(&ci);
	}
	res->signer_not_after = na;
	res->signer_expired = na != (time_t)-1 && na < now;
	res->signer_expired_at_signing = na != (time_t)-1 && na < (time_t)ts;
}

/* "A", "A or B", ... of the trust set's sources. */
static void sources(const ctl_trust *t, char *out, size_t n)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < t->nsrc && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%s", i ? " or " : "", t->src[i]);
}

static bool anchor_matches(const ctl_anchor *a, const ctl_tlv *serial, const char *caname)
{
	return ctl_serial_eq(a->serial, a->serial_len, serial->val, serial->len) &&
	       ctl_dn_equal(a->issuer, caname);
}

ctl_status ctl_verify_ex(const uint8_t *buf, size_t len, const ctl_file *f,
			 const ctl_verify_opts *o, ctl_verify_result *res, ctl_err *err)
{
	const ctl_tlv *serial = ctl_hdr_find(f, CTL_H_SERIALNUMBER);
	const ctl_tlv *sig = ctl_hdr_find(f, CTL_H_SIGNATURE);
	const char *caname = ctl_tlv_str(ctl_hdr_find(f, CTL_H_CANAME));
	ctl_trust *own = NULL;
	const ctl_trust *t = o->trust;
	ctl_signed tbs;
	size_t nmatch = 0, *match = NULL;
	uint32_t ts = 0;
	unsigned code = 0;
	ctl_status rc;
	int issuer_mismatch = 0;
	char hex[128];

	memset(res, 0, sizeof(*res));
	res->digest_nid = NID_undef;
	if (!serial || !sig || !ctl_tlv_u8(ctl_hdr_find(f, CTL_H_DIGESTALGORITHM), &code))
		return ctl_err_set(err, CTL_E_MALFORMED, -1, -1, 0,
				   "header lacks SERIALNUMBER, SIGNATURE or DIGESTALGORITHM");
	res->digest_code = code;
	ctl_tlv_u32(ctl_hdr_find(f, CTL_H_TIMESTAMP), &ts);
	ctl_hex_colon(serial->val, serial->len, hex, sizeof(hex));
	if (!t) {
		/* The records that can have signed it: the header's serial. The
		 * others' certificates need not be decoded. */
		if ((rc = trust_add_records(&own, f, "this file", CTL_ROLES_SAST, serial, true, err)))
			goto out;
		t = own;
	}
	if ((rc = ctl_signed_bytes(buf, len, f, &tbs, err)))
		goto out;
	if (t->n && !(match = calloc(t->n, sizeof(*match)))) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		const ctl_anchor *a = &t->a[i];

		if (!anchor_matches(a, serial, caname)) {
			if (own && ctl_serial_eq(a->serial, a->serial_len, serial->val, serial->len))
				issuer_mismatch = a->record;
			continue;
		}
		if (a->unusable[0]) {
			if (a->record)
				snprintf(res->warning, sizeof(res->warning),
					 "record %d of %s matches the signer but is not used: %s",
					 a->record, a->source, a->unusable);
			else
				snprintf(res->warning, sizeof(res->warning),
					 "certificate %zu of %s matches the signer but is not used: %s",
					 i + 1, a->source, a->unusable);
			continue;
		}
		match[nmatch++] = i;
	}
	/* Two candidates with different keys: phones may pick either, so no
	 * answer here could be the phone's. */
	for (size_t k = 1; k < nmatch; k++) {
		const ctl_anchor *a = &t->a[match[0]], *b = &t->a[match[k]];

		if (EVP_PKEY_eq(a->key, b->key) != 1) {
			res->ambiguous = true;
			res->signer_found = true;
			snprintf(res->reason, sizeof(res->reason),
				 "ambiguous signer: records %d and %d of %s both carry serial %s and "
				 "issuer \"%s\" but hold different keys; phones may pick either",
				 a->record, b->record, a->source, hex, caname);
			ERR_clear_error();
			goto fail;
		}
	}
	for (size_t k = 0; k < nmatch && !res->valid; k++) {
		const ctl_anchor *a = &t->a[match[k]];

		res->signer_found = true;
		if (check_with(a->key, sig, &tbs, code, o->legacy_digest_codes, res)) {
			res->valid = true;
			res->anchor = own ? NULL : a;
			res->signer_cert = a->cert;
			res->signer_has_cert = a->has_cert;
			res->signer_bits = EVP_PKEY_get_bits(a->key);
			if (own)
				res->signer_record = a->record;
		}
	}
	if (!own) {
		/* Only note whether the signer is listed in this file too. */
		for (size_t i = 0; i < f->nrec && !res->signer_record; i++) {
			const ctl_record *r = &f->rec[i];
			const ctl_tlv *rs = ctl_rec_find(r, CTL_R_SERIALNUMBER);

			if (ctl_rec_function(r) == CTL_ROLE_SAST && rs &&
			    ctl_serial_eq(rs->val, rs->len, serial->val, serial->len) &&
			    ctl_dn_equal(ctl_tlv_str(ctl_rec_find(r, CTL_R_ISSUERNAME)), caname))
				res->signer_record = (int)i + 1;
		}
	}
	if (res->valid) {
		expiry(res, f, o->now, ts);
		res->reason[0] = '\0';
		rc = CTL_OK;
		goto out;
	}
	if (!res->signer_found) {
		char src[200];

		if (!own) {
			sources(t, src, sizeof(src));
			snprintf(res->reason, sizeof(res->reason),
				 "signer (serial %s, issuer \"%s\") is not trusted: no SAST certificate in %s matches",
				 hex, caname, src);
		} else if (issuer_mismatch) {
			snprintf(res->reason, sizeof(res->reason),
				 "signer serial %s matches SAST record %d but its issuer differs from CANAME \"%s\"",
				 hex, issuer_mismatch, caname);
		} else if (res->warning[0]) {
			snprintf(res->reason, sizeof(res->reason), "%s", res->warning);
		} else {
			snprintf(res->reason, sizeof(res->reason),
				 "signer (serial %s, issuer \"%s\") is not among the SAST records",
				 hex, caname);
		}
	}
fail:
	rc = ctl_err_set(err, CTL_E_VERIFY, -1, -1, -1, "%s", res->reason);
out:
	free(match);
	ctl_trust_free(own);
	return rc;
}

ctl_status ctl_verify(const uint8_t *buf, size_t len, const ctl_file *f,
		      const ctl_trust *trust, time_t now, ctl_verify_result *res,
		      ctl_err *err)
{
	ctl_verify_opts o = {.trust = trust, .now = now};

	return ctl_verify_ex(buf, len, f, &o, res, err);
}

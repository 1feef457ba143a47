/* Lay out and sign a trust list the way CUCM writes it. */
#include "build.h"

#include "ctl.h"
#include "identity.h"
#include "io.h"
#include "verify.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY (24 * 60 * 60)

void ctl_warn(ctl_warnings *w, const char *fmt, ...)
{
	char **p;
	char *m = NULL;
	va_list ap;

	if (!w)
		return;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (!m || !(p = realloc(w->msg, (w->n + 1) * sizeof(*p)))) {
		free(m);
		return;
	}
	w->msg = p;
	w->msg[w->n++] = m;
}

void ctl_warnings_free(ctl_warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->msg[i]);
	free(w->msg);
	w->msg = NULL;
	w->n = 0;
}

ctl_status ctl_spec_add(ctl_spec *s, int role, const char *dns, const uint8_t *ip,
			X509 *cert, bool blank, const char *source, ctl_err *err)
{
	ctl_entry *p = realloc(s->e, (s->n + 1) * sizeof(*p));
	ctl_entry *e;

	if (!p) {
		X509_free(cert);
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	}
	s->e = p;
	e = &s->e[s->n];
	memset(e, 0, sizeof(*e));
	e->role = role;
	e->cert = cert;
	e->blank = blank;
	if (ip) {
		e->has_ip = true;
		memcpy(e->ip, ip, 4);
	}
	if ((dns && !(e->dns = strdup(dns))) || (source && !(e->source = strdup(source)))) {
		free(e->dns);
		X509_free(cert);
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	}
	s->n++;
	return CTL_OK;
}

void ctl_spec_free(ctl_spec *s)
{
	for (size_t i = 0; i < s->n; i++) {
		X509_free(s->e[i].cert);
		free(s->e[i].dns);
		free(s->e[i].source);
		free(s->e[i].subject_str);
		free(s->e[i].issuer_str);
		free(s->e[i].raw);
	}
	free(s->e);
	s->e = NULL;
	s->n = 0;
}

ctl_status ctl_spec_add_raw(ctl_spec *s, const ctl_record *r, const uint8_t *bytes,
			    const char *source, ctl_err *err)
{
	const ctl_tlv *dns = ctl_rec_find(r, CTL_R_DNSNAME), *ip = ctl_rec_find(r, CTL_R_IPADDRESS);
	const ctl_tlv *subj = ctl_rec_find(r, CTL_R_SUBJECTNAME), *iss = ctl_rec_find(r, CTL_R_ISSUERNAME);
	ctl_entry *e;
	ctl_status rc;

	if (ctl_rec_cert(r) && !X509_up_ref(ctl_rec_cert(r)))
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	if ((rc = ctl_spec_add(s, ctl_rec_function(r), dns ? ctl_tlv_str(dns) : NULL,
			       ip && ip->len == 4 ? ip->val : NULL, ctl_rec_cert(r), false, source, err)))
		return rc;
	e = &s->e[s->n - 1];
	e->token = ctl_rec_function(r) == CTL_ROLE_SAST && !(dns && ctl_tlv_str(dns)[0]);
	e->rawlen = r->len;
	if (!(e->raw = malloc(r->len)) || (subj && !(e->subject_str = strdup(ctl_tlv_str(subj)))) ||
	    (iss && !(e->issuer_str = strdup(ctl_tlv_str(iss)))))
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	memcpy(e->raw, bytes, r->len);
	return CTL_OK;
}

ctl_status ctl_cert_load(const char *path, X509 **out, ctl_err *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	X509 *x = NULL;
	ctl_status rc;

	*out = NULL;
	if ((rc = ctl_read_file(path, 1u << 20, &buf, &len, err)))
		return rc;
	if (ctl_is_pem(buf, len)) {
		BIO *b = BIO_new_mem_buf(buf, (int)len);
		x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	} else {
		x = ctl_der_cert(buf, len);
	}
	free(buf);
	if (!x)
		return ctl_err_ssl(err, CTL_E_MALFORMED,
				   "not a PEM or DER X.509 certificate");
	*out = x;
	return CTL_OK;
}

/* A growable byte buffer. */
struct bb {
	uint8_t *p;
	size_t n, cap;
	bool oom;
};

static void bb_put(struct bb *b, const void *d, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (!d) {
		/* Cannot happen with n > 0; fail the build rather than copy. */
		b->oom = true;
		return;
	}
	if (b->n + n > b->cap) {
		size_t nc = (b->n + n) * 2 + 64;
		uint8_t *q = realloc(b->p, nc);
		if (!q) {
			b->oom = true;
			return;
		}
		b->p = q;
		b->cap = nc;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void bb_tlv(struct bb *b, uint8_t tag, const void *v, size_t n)
{
	uint8_t h[3] = {tag, (uint8_t)(n >> 8), (uint8_t)n};

	bb_put(b, h, 3);
	bb_put(b, v, n);
}

static void bb_str(struct bb *b, uint8_t tag, const char *s)
{
	bb_tlv(b, tag, s, strlen(s) + 1);
}

static void bb_u8(struct bb *b, uint8_t tag, unsigned v)
{
	uint8_t x = (uint8_t)v;
	bb_tlv(b, tag, &x, 1);
}

ctl_status ctl_record_bytes(const ctl_entry *e, uint8_t **out, size_t *outlen, ctl_err *err)
{
	struct bb b = {0};
	uint8_t fn[2] = {(uint8_t)(e->role >> 8), (uint8_t)e->role};
	uint8_t zero[4] = {0};
	uint8_t *serial = NULL, *pub = NULL, *der = NULL;
	size_t sn = 0, pn = 0;
	char *subj = NULL, *iss = NULL;
	int dn;
	ctl_status rc = CTL_OK;

	*out = NULL;
	if (e->raw) {
		if (!(*out = malloc(e->rawlen)))
			return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		memcpy(*out, e->raw, e->rawlen);
		*outlen = e->rawlen;
		return CTL_OK;
	}
	bb_tlv(&b, CTL_R_RECORDLENGTH, zero, 2);
	bb_str(&b, CTL_R_DNSNAME, e->dns ? e->dns : "");
	if (e->blank) {
		bb_tlv(&b, CTL_R_FUNCTION, fn, 2);
	} else {
		const ASN1_BIT_STRING *sig = NULL;

		if (!e->cert) {
			rc = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "record has no certificate");
			goto out;
		}
		subj = e->subject_str ? strdup(e->subject_str)
				      : ctl_name_string(X509_get_subject_name(e->cert));
		iss = e->issuer_str ? strdup(e->issuer_str)
				    : ctl_name_string(X509_get_issuer_name(e->cert));
		serial = ctl_serial_bytes(e->cert, &sn);
		if (!subj || !iss || !serial) {
			rc = ctl_err_ssl(err, CTL_E_MALFORMED, "cannot decode the certificate's names or serial");
			goto out;
		}
		if ((rc = ctl_pubkey_bytes(e->cert, &pub, &pn, err)))
			goto out;
		X509_get0_signature(&sig, NULL, e->cert);
		if ((dn = i2d_X509(e->cert, &der)) <= 0) {
			rc = ctl_err_ssl(err, CTL_E_MALFORMED, "cannot encode the certificate");
			goto out;
		}
		bb_str(&b, CTL_R_SUBJECTNAME, subj);
		bb_tlv(&b, CTL_R_FUNCTION, fn, 2);
		bb_str(&b, CTL_R_ISSUERNAME, iss);
		bb_tlv(&b, CTL_R_SERIALNUMBER, serial, sn);
		bb_tlv(&b, CTL_R_PUBLICKEY, pub, pn);
		bb_tlv(&b, CTL_R_SIGNATURE, ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig));
		bb_tlv(&b, CTL_R_CERTIFICATE, der, (size_t)dn);
		/* A single value over 65535 bytes would wrap its length. */
		if ((size_t)dn > CTL_LEN_MAX || pn > CTL_LEN_MAX || strlen(subj) >= CTL_LEN_MAX ||
		    strlen(iss) >= CTL_LEN_MAX) {
			rc = ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
					 "a certificate field is over 65535 bytes");
			goto out;
		}
	}
	bb_tlv(&b, CTL_R_IPADDRESS, e->has_ip ? e->ip : zero, 4);
	if (b.oom) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	if (b.n > CTL_LEN_MAX) {
		rc = ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				 "record would be %zu bytes; a record cannot exceed 65535", b.n);
		goto out;
	}
	b.p[3] = (uint8_t)(b.n >> 8);
	b.p[4] = (uint8_t)b.n;
	*out = b.p;
	*outlen = b.n;
	b.p = NULL;
out:
	free(b.p);
	free(serial);
	free(pub);
	OPENSSL_free(der);
	free(subj);
	free(iss);
	return rc;
}

static const char *role_kw(int role)
{
	const char *k = role >= 0 ? ctl_role_keyword((unsigned)role) : NULL;
	return k ? k : "role";
}

int ctl_spec_sast_of(const ctl_spec *s, X509 *cert)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].role == CTL_ROLE_SAST && !s->e[i].blank && ctl_cert_eq(s->e[i].cert, cert))
			return (int)i;
	return -1;
}

static const char *src_of(const ctl_entry *e)
{
	return e->source ? e->source : "certificate";
}

/* The same certificate twice in one role, or two SAST records a phone could
 * not tell apart (same serial and issuer, e.g. serials 0x1234567 and
 * -0x1234567, which the file writes alike). */
static ctl_status duplicates(const ctl_spec *s, ctl_err *err)
{
	for (size_t i = 0; i < s->n; i++) {
		const ctl_entry *a = &s->e[i];
		uint8_t *sa;
		size_t na = 0;
		char *ia;

		if (!a->cert)
			continue;
		for (size_t j = i + 1; j < s->n; j++) {
			const ctl_entry *b = &s->e[j];
			if (b->cert && b->role == a->role && ctl_cert_eq(a->cert, b->cert))
				return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
						   "the same certificate is in %s records %zu (`%s') and "
						   "%zu (`%s'): each certificate goes in once per role",
						   role_kw(a->role), i + 1, src_of(a), j + 1, src_of(b));
		}
		if (a->role != CTL_ROLE_SAST)
			continue;
		sa = ctl_serial_bytes(a->cert, &na);
		ia = ctl_name_string(X509_get_issuer_name(a->cert));
		for (size_t j = i + 1; sa && ia && j < s->n; j++) {
			const ctl_entry *b = &s->e[j];
			if (b->role != CTL_ROLE_SAST || !b->cert || !ctl_cert_is(b->cert, sa, na, ia))
				continue;
			free(sa);
			free(ia);
			return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
					   "SAST records %zu (`%s') and %zu (`%s') share serial and issuer: "
					   "phones find a signer by those, so they could not tell the two "
					   "apart", i + 1, src_of(a), j + 1, src_of(b));
		}
		free(sa);
		free(ia);
	}
	return CTL_OK;
}

ctl_status ctl_spec_check(ctl_spec *s, ctl_warnings *w, ctl_err *err)
{
	size_t nsast = 0, total = 0;
	bool ec = false;
	ctl_status rc;

	if (s->n == 0)
		return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "no records to write");
	if (s->n > CTL_RECORDS_MAX)
		return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				   "%zu records: a trust list holds at most %u (phones stop long "
				   "before: an ITL over 64 KB, about 39 certificates, already fails)",
				   s->n, CTL_RECORDS_MAX);
	for (size_t i = 0; i < s->n; i++) {
		ctl_entry *e = &s->e[i];
		ctl_certinfo ci;
		const char *src = src_of(e);

		if (e->role == CTL_ROLE_SAST && !e->blank)
			nsast++;
		if (e->role == CTL_ROLE_TVS && !s->itl)
			return ctl_err_set(err, CTL_E_USAGE, -1, -1, (int)i + 1,
					   "`%s': TVS certificates belong in the ITL, never in the CTL "
					   "(use --itl)", src);
		total += e->raw ? e->rawlen : 64;
		if (!e->cert || e->blank)
			continue;
		total += (size_t)i2d_X509(e->cert, NULL) * 2;
		if ((!e->subject_str &&
		     ctl_name_check(X509_get_subject_name(e->cert), "subject", err)) ||
		    (!e->issuer_str &&
		     ctl_name_check(X509_get_issuer_name(e->cert), "issuer", err))) {
			err->record = (int)i + 1;
			return ctl_err_wrap(err, "`%s'", src);
		}
		if (ctl_certinfo_nofp(e->cert, &ci, err))
			return err->status;
		if (!strcmp(ci.key_type, "EC"))
			ec = true;
		if (ci.not_after != (time_t)-1 && ci.not_after < s->now) {
			char when[32];
			ctl_date_iso(ci.not_after, when, sizeof(when));
			if (!s->allow_expired) {
				ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
					    "`%s' (%s record %zu, %s) expired on %s; phones would reject it "
					    "(renew it, or pass --allow-expired)",
					    src, role_kw(e->role), i + 1, ci.subject, when);
				ctl_certinfo_free(&ci);
				return CTL_E_REFUSED;
			}
			ctl_warn(w, "`%s' (%s record %zu, %s) expired on %s", src, role_kw(e->role),
				 i + 1, ci.subject, when);
		} else if (ci.not_after != (time_t)-1 && ci.not_after < s->now + 30 * DAY) {
			ctl_warn(w, "`%s' (%s record %zu, %s) expires in %ld days", src,
				 role_kw(e->role), i + 1, ci.subject,
				 (long)((ci.not_after - s->now) / DAY));
		}
		if (ci.not_before != (time_t)-1 && ci.not_before > s->now)
			ctl_warn(w, "`%s' (%s record %zu) is not valid yet", src, role_kw(e->role), i + 1);
		ctl_certinfo_free(&ci);
	}
	if (total > CTL_FILE_MAX)
		return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				   "the records would take about %zu bytes, over the %u-byte limit "
				   "of a trust list", total, CTL_FILE_MAX);
	if ((rc = duplicates(s, err)))
		return rc;
	if (nsast > 2)
		ctl_warn(w, "%zu SAST records: an open implementation's guidance is at most 2 for "
			 "phones, while Cisco's own 11.5+ token layout has 4", nsast);
	if (s->digest_code != CTL_DIGEST_SHA1)
		ctl_warn(w, "signing with %s: CUCM and the CTL Client write and read SHA-1 only, the "
			 "older open implementation reads code 3 as SHA-384, and which phone firmware "
			 "verifies SHA-2 trust lists is not documented; SHA-1 is the one digest every "
			 "consumer reads (docs/format.md)",
			 ctl_digest_code_name(s->digest_code) ? ctl_digest_code_name(s->digest_code) : "?");
	if (ec) {
		if (s->signer_version == 10)
			return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
					   "a record holds an EC key: phones need signer version 1.1, "
					   "not 1.0");
		s->signer_version = 11;
	}
	if (s->signer_version < 0)
		s->signer_version = 0;
	s->checked = true;
	return CTL_OK;
}

ctl_status ctl_spec_signer_index(const ctl_spec *s, X509 *cert, const char *what, int *idx,
				 ctl_err *err)
{
	char desc[512];

	if ((*idx = ctl_spec_sast_of(s, cert)) >= 0)
		return CTL_OK;
	ctl_cert_describe(cert, desc, sizeof(desc));
	return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
			   "%s (%s) is not one of the file's SAST records; phones could never "
			   "verify it (add it with --sast)", what, desc);
}

/* Records and header as CUCM lays them out, for a signer of keybytes
 * (SIGNATUREMODULUS modidx): hdr is the header without the SIGNATURE TLV,
 * which goes at *sigoff; *hdrlen counts it and the padding. */
static ctl_status lay_out(const ctl_spec *s, X509 *signer_cert, int signer_idx, int modidx,
			  size_t keybytes, struct bb *hdr, struct bb *recs, size_t *sigoff,
			  size_t *hdrlen, ctl_err *err)
{
	uint8_t *rb = NULL, *serial = NULL;
	size_t rn = 0, sn = 0;
	char *sname = NULL, *iname = NULL;
	ctl_status rc = CTL_OK;

	for (size_t i = 0; i < s->n; i++) {
		if ((rc = ctl_record_bytes(&s->e[i], &rb, &rn, err))) {
			err->record = (int)i + 1;
			ctl_err_wrap(err, "`%s'", s->e[i].source ? s->e[i].source : "record");
			goto done;
		}
		bb_put(recs, rb, rn);
		free(rb);
		rb = NULL;
	}

	/* SIGNERNAME and CANAME are the signer record's own strings. */
	{
		const ctl_entry *se = &s->e[signer_idx];
		sname = se->subject_str ? strdup(se->subject_str)
					: ctl_name_string(X509_get_subject_name(signer_cert));
		iname = se->issuer_str ? strdup(se->issuer_str)
				       : ctl_name_string(X509_get_issuer_name(signer_cert));
	}
	serial = ctl_serial_bytes(signer_cert, &sn);
	if (!sname || !iname || !serial) {
		rc = ctl_err_ssl(err, CTL_E_MALFORMED, "cannot decode the signer certificate");
		goto done;
	}

	/* Header in CUCM's order; tag 28 after HEADERLENGTH as the open
	 * implementation writes it (phones accept both). */
	{
		uint8_t ver[2] = {CTL_VERSION_MAJOR, CTL_VERSION_MINOR}, hl[2] = {0, 0};
		uint8_t sv[2] = {1, (uint8_t)(s->signer_version == 11 ? 1 : 0)};
		uint8_t ts[4] = {(uint8_t)(s->timestamp >> 24), (uint8_t)(s->timestamp >> 16),
				 (uint8_t)(s->timestamp >> 8), (uint8_t)s->timestamp};
		struct bb sid = {0};
		size_t pad;

		bb_str(&sid, CTL_H_SIGNERNAME, sname);
		bb_tlv(&sid, CTL_H_SERIALNUMBER, serial, sn);
		bb_str(&sid, CTL_H_CANAME, iname);
		bb_tlv(hdr, CTL_H_VERSION, ver, 2);
		bb_tlv(hdr, CTL_H_HEADERLENGTH, hl, 2);
		if (s->signer_version)
			bb_tlv(hdr, CTL_H_SIGNERVERSION, sv, 2);
		{
			uint8_t c[3] = {CTL_H_SIGNERID, (uint8_t)(sid.n >> 8), (uint8_t)sid.n};
			bb_put(hdr, c, 3);
			bb_put(hdr, sid.p, sid.n);
		}
		free(sid.p);
		if (sid.oom || sid.n > CTL_LEN_MAX) {
			rc = ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1, "signer names are too long");
			goto done;
		}
		{
			uint8_t c7[3] = {CTL_H_SIGNATUREINFO, 0, CTL_SIGNATUREINFO_LEN};
			uint8_t c9[3] = {CTL_H_SIGNATUREALGOINFO, 0, CTL_SIGNATUREALGOINFO_LEN};
			bb_put(hdr, c7, 3);
			bb_u8(hdr, CTL_H_DIGESTALGORITHM, s->digest_code);
			bb_put(hdr, c9, 3);
			bb_u8(hdr, CTL_H_SIGNATUREALGORITHM, CTL_SIGALG_RSA);
			bb_u8(hdr, CTL_H_SIGNATUREMODULUS, (unsigned)modidx);
		}
		*sigoff = hdr->n;
		bb_str(hdr, CTL_H_FILENAME, s->itl ? CTL_FILENAME_ITL : CTL_FILENAME_CTL);
		bb_tlv(hdr, CTL_H_TIMESTAMP, ts, 4);
		/* HEADERLENGTH counts the signature TLV, then padding to 4. */
		*hdrlen = hdr->n + CTL_TLV_HDR + keybytes;
		pad = (4 - *hdrlen % 4) % 4;
		for (size_t i = 0; i < pad; i++) {
			uint8_t p = CTL_H_PADDING;
			bb_put(hdr, &p, 1);
		}
		*hdrlen += pad;
		if (*hdrlen > CTL_LEN_MAX) {
			rc = ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1, "header would exceed 65535 bytes");
			goto done;
		}
		if (hdr->oom) {
			rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			goto done;
		}
		hdr->p[8] = (uint8_t)(*hdrlen >> 8);
		hdr->p[9] = (uint8_t)*hdrlen;
	}

done:
	free(rb);
	free(serial);
	free(sname);
	free(iname);
	return rc;
}

ctl_status ctl_build(ctl_spec *s, ctl_signer *signer, uint8_t **out, size_t *outlen,
		     ctl_warnings *w, ctl_err *err)
{
	struct bb recs = {0}, hdr = {0}, tbs = {0}, file = {0};
	EVP_PKEY *pk;
	const EVP_MD *md = ctl_digest_md(s->digest_code);
	uint8_t sig[512];
	size_t siglen = sizeof(sig), keybytes, hdrlen = 0, sigoff = 0;
	int modidx = -1, signer_idx;
	ctl_status rc;
	ctl_file *check = NULL;
	ctl_verify_result vr;

	*out = NULL;
	if (!md)
		return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "unknown digest code %u",
				   s->digest_code);
	if (!signer || !signer->cert)
		return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "no signer certificate");
	pk = X509_get0_pubkey(signer->cert);
	if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
		return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				   "the signer's key is not RSA; trust lists are signed with RSA");
	keybytes = (size_t)EVP_PKEY_get_size(pk);
	for (int i = 1; i < CTL_MODULUS_COUNT; i++)
		if (ctl_modulus_bytes[i] == keybytes)
			modidx = i;
	if (modidx < 0)
		return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				   "the signer's key is %d-bit; phones take 1024-, 2048- or 4096-bit RSA",
				   EVP_PKEY_get_bits(pk));
	if (keybytes > 256)
		ctl_warn(w, "signing with a %zu-bit key: an open implementation's guidance is "
			 "RSA keys of at most 2048 bits for phones", keybytes * 8);
	if (!s->checked && (rc = ctl_spec_check(s, w, err)))
		return rc;
	if ((rc = ctl_spec_signer_index(s, signer->cert, "the signer certificate", &signer_idx, err)))
		return rc;

	if ((rc = lay_out(s, signer->cert, signer_idx, modidx, keybytes, &hdr, &recs, &sigoff,
			  &hdrlen, err)))
		goto out;

	if (s->itl && hdrlen + recs.n > CTL_ITL_MAX_BYTES) {
		rc = ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				 "the ITL would be %zu bytes: phones fail to register once it passes "
				 "about 64 KB (about 39 certificates); leave certificates out",
				 hdrlen + recs.n);
		goto out;
	}

	/* Signed bytes: the file without the signature TLV. */
	bb_put(&tbs, hdr.p, hdr.n);
	bb_put(&tbs, recs.p, recs.n);
	if (tbs.oom || recs.oom) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	if ((rc = signer->sign(signer, md, tbs.p, tbs.n, sig, &siglen, err)))
		goto out;
	if (siglen != keybytes) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1,
				 "signer returned %zu bytes, expected %zu", siglen, keybytes);
		goto out;
	}
	bb_put(&file, hdr.p, sigoff);
	bb_tlv(&file, CTL_H_SIGNATURE, sig, siglen);
	bb_put(&file, hdr.p + sigoff, hdr.n - sigoff);
	bb_put(&file, recs.p, recs.n);
	if (file.oom) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}

	/* What phones will do with it: parse and verify, or nothing leaves.
	 * The certificates are this build's own encodings of certificates it
	 * decoded: the signer's is decoded again by the verification. */
	if (ctl_parse_ex(file.p, file.n, CTL_PARSE_BORROW | CTL_PARSE_LAZY, &check, err)) {
		err->status = CTL_E_INTERNAL;
		rc = ctl_err_wrap(err, "the built file does not parse");
		goto out;
	}
	if ((size_t)signer_idx < check->nrec)
		ctl_rec_cert_adopt(&check->rec[signer_idx], signer->cert);
	if (ctl_verify(file.p, file.n, check, NULL, s->now, &vr, err) ||
	    vr.signer_record != signer_idx + 1) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1,
				 "the built file does not verify: %s", vr.reason);
		goto out;
	}
	*out = file.p;
	*outlen = file.n;
	file.p = NULL;
	rc = CTL_OK;
out:
	ctl_free(check);
	free(recs.p);
	free(hdr.p);
	free(tbs.p);
	free(file.p);
	OPENSSL_cleanse(sig, sizeof(sig));
	return rc;
}

ctl_status ctl_layout_unsigned(ctl_spec *s, X509 *signer_cert, uint8_t **out, size_t *outlen,
			       ctl_err *err)
{
	static const uint8_t zeros[128];
	struct bb hdr = {0}, recs = {0}, file = {0};
	size_t hdrlen = 0, sigoff = 0;
	int signer_idx = ctl_spec_sast_of(s, signer_cert);
	ctl_status rc;

	*out = NULL;
	if (signer_idx < 0)
		return ctl_spec_signer_index(s, signer_cert, "the signer certificate", &signer_idx, err);
	if ((rc = lay_out(s, signer_cert, signer_idx, 1, sizeof(zeros), &hdr, &recs, &sigoff, &hdrlen,
			  err)))
		goto out;
	bb_put(&file, hdr.p, sigoff);
	bb_tlv(&file, CTL_H_SIGNATURE, zeros, sizeof(zeros));
	bb_put(&file, hdr.p + sigoff, hdr.n - sigoff);
	bb_put(&file, recs.p, recs.n);
	if (file.oom || recs.oom) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	*out = file.p;
	*outlen = file.n;
	file.p = NULL;
out:
	free(hdr.p);
	free(recs.p);
	free(file.p);
	return rc;
}

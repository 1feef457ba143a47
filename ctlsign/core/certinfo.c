/* Facts derived from X.509 certificates, in the forms CUCM writes them. */
#include "ctl.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CUCM writes these first, in this order, whatever the DER order is. */
static const int cucm_order[] = {NID_commonName, NID_organizationalUnitName,
				 NID_organizationName, NID_localityName,
				 NID_stateOrProvinceName, NID_countryName};
static const char *const cucm_label[] = {"CN", "OU", "O", "L", "ST", "C"};
#define NORDER (sizeof(cucm_order) / sizeof(cucm_order[0]))

struct sbuf {
	char *p;
	size_t n, cap;
	bool bad;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->bad)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t nc = (b->n + n + 1) * 2;
		char *q = realloc(b->p, nc);
		if (!q) {
			b->bad = true;
			return;
		}
		b->p = q;
		b->cap = nc;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void add_entry(struct sbuf *b, const char *label, const X509_NAME_ENTRY *e)
{
	unsigned char *utf8 = NULL;
	int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));

	if (b->n)
		sb_add(b, ";", 1);
	sb_add(b, label, strlen(label));
	sb_add(b, "=", 1);
	/* A NUL inside would end the string early: no name rather than a wrong one. */
	if (n >= 0 && !memchr(utf8, 0, (size_t)n))
		sb_add(b, (const char *)utf8, (size_t)n);
	else
		b->bad = true;
	OPENSSL_free(utf8);
}

char *ctl_name_string(const X509_NAME *name)
{
	struct sbuf b = {0};
	int count = X509_NAME_entry_count(name);

	sb_add(&b, "", 0);
	for (size_t k = 0; k < NORDER; k++)
		for (int i = 0; i < count; i++) {
			const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
			if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == cucm_order[k])
				add_entry(&b, cucm_label[k], e);
		}
	for (int i = 0; i < count; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
		bool known = false;
		char oid[80];
		const char *label;

		for (size_t k = 0; k < NORDER; k++)
			known |= nid == cucm_order[k];
		if (known)
			continue;
		label = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
		if (!label) {
			OBJ_obj2txt(oid, sizeof(oid), X509_NAME_ENTRY_get_object(e), 1);
			label = oid;
		}
		add_entry(&b, label, e);
	}
	if (b.bad) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

ctl_status ctl_name_check(const X509_NAME *name, const char *what, ctl_err *err)
{
	int count = X509_NAME_entry_count(name);

	for (int i = 0; i < count; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		unsigned char *utf8 = NULL;
		int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
		bool nul = n > 0 && memchr(utf8, 0, (size_t)n);

		OPENSSL_free(utf8);
		if (n < 0)
			return ctl_err_ssl(err, CTL_E_MALFORMED,
					   "the certificate's %s holds a string that does not decode", what);
		if (nul)
			return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
					   "the certificate's %s holds a NUL byte: its name string would "
					   "end there, so phones would read another name", what);
	}
	return CTL_OK;
}

uint8_t *ctl_serial_bytes(const X509 *cert, size_t *n)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	uint8_t *out = NULL;
	int len;

	if (!bn)
		return NULL;
	len = BN_num_bytes(bn);
	if ((out = calloc(1, len ? (size_t)len : 1))) {
		if (len)
			BN_bn2bin(bn, out);
		*n = len ? (size_t)len : 1;
	}
	BN_free(bn);
	return out;
}

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return (time_t)-1;
	return timegm(&tm);
}

ctl_status ctl_certinfo_get(X509 *cert, ctl_certinfo *ci, ctl_err *err)
{
	ctl_status rc = ctl_certinfo_nofp(cert, ci, err);
	unsigned mdlen = 0;

	if (rc == CTL_OK)
		X509_digest(cert, EVP_sha1(), ci->sha1, &mdlen);
	return rc;
}

ctl_status ctl_certinfo_nofp(X509 *cert, ctl_certinfo *ci, ctl_err *err)
{
	EVP_PKEY *pk;
	uint8_t *serial;
	size_t sn;

	memset(ci, 0, sizeof(*ci));
	ci->subject = ctl_name_string(X509_get_subject_name(cert));
	ci->issuer = ctl_name_string(X509_get_issuer_name(cert));
	serial = ctl_serial_bytes(cert, &sn);
	if (!ci->subject || !ci->issuer || !serial) {
		free(serial);
		ctl_certinfo_free(ci);
		return ctl_err_ssl(err, CTL_E_MALFORMED, "cannot decode certificate names or serial");
	}
	ctl_hex_colon(serial, sn, ci->serial_hex, sizeof(ci->serial_hex));
	free(serial);
	pk = X509_get0_pubkey(cert);
	if (pk) {
		int id = EVP_PKEY_get_base_id(pk);
		ci->key_bits = EVP_PKEY_get_bits(pk);
		snprintf(ci->key_type, sizeof(ci->key_type), "%s",
			 id == EVP_PKEY_RSA ? "RSA" : id == EVP_PKEY_EC ? "EC"
			 : id == EVP_PKEY_ED25519 ? "Ed25519" : "other");
		if (id == EVP_PKEY_EC) {
			size_t len = 0;
			EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
						       ci->curve, sizeof(ci->curve), &len);
		}
	} else {
		snprintf(ci->key_type, sizeof(ci->key_type), "unknown");
	}
	ERR_clear_error();
	ci->not_before = asn1_time(X509_get0_notBefore(cert));
	ci->not_after = asn1_time(X509_get0_notAfter(cert));
	return CTL_OK;
}

EVP_PKEY *ctl_rsa_pubkey_der(const uint8_t *p, size_t n)
{
	const unsigned char *q = p;
	EVP_PKEY *pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)n);

	if (!pk || q != p + n) {
		EVP_PKEY_free(pk);
		ERR_clear_error();
		return NULL;
	}
	return pk;
}

EVP_PKEY *ctl_der_cert_rsa(const uint8_t *der, size_t len, ctl_cert_der *cd,
			   ctl_der_span *serial, ctl_der_span *key)
{
	if (!ctl_der_cert_read(der, len, cd) || !ctl_der_serial_magnitude(&cd->serial, serial) ||
	    !ctl_der_spki_rsa(&cd->spki, key))
		return NULL;
	return ctl_rsa_pubkey_der(key->p, key->n);
}

ctl_status ctl_certinfo_der(const uint8_t *der, size_t len, ctl_certinfo *ci)
{
	ctl_cert_der cd;
	ctl_der_span serial, kd;
	const unsigned char *p;
	X509_NAME *subj = NULL, *iss = NULL;
	EVP_PKEY *pk;
	ctl_status rc = CTL_E_MALFORMED;

	memset(ci, 0, sizeof(*ci));
	if (!(pk = ctl_der_cert_rsa(der, len, &cd, &serial, &kd)))
		return CTL_E_MALFORMED;
	if (cd.not_before == (time_t)-1 || cd.not_after == (time_t)-1)
		goto out;
	p = cd.subject.p;
	if (!(subj = d2i_X509_NAME(NULL, &p, (long)cd.subject.n)) || p != cd.subject.p + cd.subject.n)
		goto out;
	p = cd.issuer.p;
	if (!(iss = d2i_X509_NAME(NULL, &p, (long)cd.issuer.n)) || p != cd.issuer.p + cd.issuer.n)
		goto out;
	if (!(ci->subject = ctl_name_string(subj)) || !(ci->issuer = ctl_name_string(iss)) ||
	    !EVP_Digest(der, len, ci->sha1, NULL, EVP_sha1(), NULL))
		goto out;
	ctl_hex_colon(serial.p, serial.n, ci->serial_hex, sizeof(ci->serial_hex));
	snprintf(ci->key_type, sizeof(ci->key_type), "RSA");
	ci->key_bits = EVP_PKEY_get_bits(pk);
	ci->not_before = cd.not_before;
	ci->not_after = cd.not_after;
	rc = CTL_OK;
out:
	if (rc)
		ctl_certinfo_free(ci);
	ERR_clear_error();
	EVP_PKEY_free(pk);
	X509_NAME_free(subj);
	X509_NAME_free(iss);
	return rc;
}

void ctl_certinfo_free(ctl_certinfo *ci)
{
	free(ci->subject);
	free(ci->issuer);
	ci->subject = ci->issuer = NULL;
}

/* What verify reads from a certificate's DER instead of decoding it
 * (ctl_der_cert_read, ctl_der_serial_magnitude, ctl_der_spki_rsa,
 * ctl_record_key_der, ctl_certinfo_der): the same facts OpenSSL gives, and
 * a refusal (the caller decodes) for every form it does not read. */
#include "ctl.h"
#include "fixtures.h"
#include "identity.h"

#include <criterion/criterion.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

TestSuite(certder);

static const char *const all_certs[] = {"ccm1.pem", "ccm2.pem", "capf.pem", "tvs.pem",
					"ecdsa.pem", "expired.pem", "signer4096.pem",
					"sast1.pem", "itlrec.pem", "mfgca.pem", NULL};

static time_t tm_of(const ASN1_TIME *t)
{
	struct tm tm;

	cr_assert(ASN1_TIME_to_tm(t, &tm));
	return timegm(&tm);
}

/* A span against OpenSSL's own encoding of the same field. */
static void same_as(const ctl_der_span *s, const uint8_t *enc, int n, const char *what,
		    const char *cert)
{
	cr_assert_gt(n, 0);
	cr_assert_eq(s->n, (size_t)n, "%s: %s length", cert, what);
	cr_assert_eq(memcmp(s->p, enc, s->n), 0, "%s: %s bytes", cert, what);
}

Test(certder, fields_are_openssls)
{
	for (const char *const *c = all_certs; *c; c++) {
		size_t n, sn = 0;
		uint8_t *der = fx_cert_der(*c, &n), *serial, *enc = NULL;
		const uint8_t *q = der;
		X509 *x = d2i_X509(NULL, &q, (long)n);
		EVP_PKEY *xk = X509_get0_pubkey(x);
		ctl_cert_der cd;
		ctl_der_span mag, key;
		int len;

		cr_assert_not_null(x, "%s", *c);
		cr_assert(ctl_der_cert_read(der, n, &cd), "%s", *c);
		serial = ctl_serial_bytes(x, &sn);
		cr_assert(ctl_der_serial_magnitude(&cd.serial, &mag), "%s", *c);
		cr_assert_eq(mag.n, sn, "%s: serial length", *c);
		cr_assert_eq(memcmp(mag.p, serial, sn), 0, "%s: serial", *c);
		len = i2d_X509_NAME(X509_get_issuer_name(x), &enc);
		same_as(&cd.issuer, enc, len, "issuer", *c);
		OPENSSL_free(enc);
		enc = NULL;
		len = i2d_X509_NAME(X509_get_subject_name(x), &enc);
		same_as(&cd.subject, enc, len, "subject", *c);
		OPENSSL_free(enc);
		enc = NULL;
		len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &enc);
		same_as(&cd.spki, enc, len, "key", *c);
		OPENSSL_free(enc);
		cr_assert_eq(cd.not_before, tm_of(X509_get0_notBefore(x)), "%s: notBefore", *c);
		cr_assert_eq(cd.not_after, tm_of(X509_get0_notAfter(x)), "%s: notAfter", *c);
		if (EVP_PKEY_get_base_id(xk) == EVP_PKEY_RSA) {
			const unsigned char *p;
			EVP_PKEY *k;

			cr_assert(ctl_der_spki_rsa(&cd.spki, &key), "%s", *c);
			p = key.p;
			k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)key.n);
			cr_assert_not_null(k, "%s", *c);
			cr_assert_eq(EVP_PKEY_eq(k, xk), 1, "%s: the same key", *c);
			EVP_PKEY_free(k);
		} else {
			cr_assert_not(ctl_der_spki_rsa(&cd.spki, &key), "%s: not RSA", *c);
		}
		free(serial);
		X509_free(x);
		free(der);
	}
}

/* Every certificate verify could read from the DER gives what decoding it
 * gives; the others (EC) are refused, for the caller to decode. */
Test(certder, certinfo_der_is_certinfo_get)
{
	for (const char *const *c = all_certs; *c; c++) {
		size_t n;
		uint8_t *der = fx_cert_der(*c, &n);
		X509 *x = fx_cert(*c);
		ctl_certinfo a, b;

		cr_assert_eq(ctl_certinfo_get(x, &a, NULL), CTL_OK);
		if (strcmp(a.key_type, "RSA")) {
			cr_assert_eq(ctl_certinfo_der(der, n, &b), CTL_E_MALFORMED, "%s", *c);
			cr_assert_null(b.subject);
		} else {
			cr_assert_eq(ctl_certinfo_der(der, n, &b), CTL_OK, "%s", *c);
			cr_assert_str_eq(b.subject, a.subject, "%s", *c);
			cr_assert_str_eq(b.issuer, a.issuer, "%s", *c);
			cr_assert_str_eq(b.serial_hex, a.serial_hex, "%s", *c);
			cr_assert_str_eq(b.key_type, a.key_type, "%s", *c);
			cr_assert_eq(b.key_bits, a.key_bits, "%s", *c);
			cr_assert_str_eq(b.curve, a.curve, "%s", *c);
			cr_assert_eq(memcmp(b.sha1, a.sha1, sizeof(a.sha1)), 0, "%s", *c);
			cr_assert_eq(b.not_before, a.not_before, "%s", *c);
			cr_assert_eq(b.not_after, a.not_after, "%s", *c);
			ctl_certinfo_free(&b);
		}
		ctl_certinfo_free(&a);
		X509_free(x);
		free(der);
	}
	cr_assert_eq(ctl_certinfo_der(NULL, 0, &(ctl_certinfo){0}), CTL_E_MALFORMED);
}

Test(certder, serial_forms)
{
	static const struct {
		uint8_t v[4];
		size_t n;
		bool ok;
		size_t mag;   /* bytes of magnitude */
	} s[] = {
		{{0x01}, 1, true, 1},
		{{0x00}, 1, true, 1},              /* zero */
		{{0x00, 0x80}, 2, true, 1},        /* the sign byte dropped */
		{{0x7f, 0xff}, 2, true, 2},
		{{0x80}, 1, false, 0},             /* negative */
		{{0xff, 0x01}, 2, false, 0},
		{{0x00, 0x01}, 2, false, 0},       /* a leading 00 DER forbids */
		{{0}, 0, false, 0},                /* empty */
	};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		ctl_der_span in = {s[i].v, s[i].n}, out = {NULL, 0};

		cr_assert_eq(ctl_der_serial_magnitude(&in, &out), s[i].ok, "case %zu", i);
		if (s[i].ok)
			cr_assert_eq(out.n, s[i].mag, "case %zu", i);
	}
}

/* The SubjectPublicKeyInfo forms read, and those left to OpenSSL. */
Test(certder, spki_rsa_forms)
{
	size_t n;
	uint8_t *der = fx_cert_der("ccm2.pem", &n);
	ctl_cert_der cd;
	ctl_der_span key;
	uint8_t *b;
	size_t bn;

	cr_assert(ctl_der_cert_read(der, n, &cd));
	cr_assert(ctl_der_spki_rsa(&cd.spki, &key));
	bn = cd.spki.n;
	b = malloc(bn + 2);
	cr_assert(b);
	/* The BIT STRING's unused-bits byte: only 0. */
	memcpy(b, cd.spki.p, bn);
	b[(size_t)(key.p - cd.spki.p) - 1] = 1;
	cr_assert_not(ctl_der_spki_rsa(&(ctl_der_span){b, bn}, &key), "unused bits");
	/* Another algorithm: rsassaPss (1.2.840.113549.1.1.10). */
	memcpy(b, cd.spki.p, bn);
	{
		uint8_t *oid = memmem(b, bn, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9);
		cr_assert(oid);
		oid[8] = 0x0a;
	}
	cr_assert_not(ctl_der_spki_rsa(&(ctl_der_span){b, bn}, &key), "RSA-PSS");
	/* A byte after the key, inside the BIT STRING: not the one encoding. */
	{
		fx_buf t = {0};
		const uint8_t *bits = key.p - 1;   /* unused-bits byte */
		size_t klen = key.n;

		/* SEQUENCE { alg, BIT STRING { 00, key, 00 } }, lengths rebuilt. */
		fx_u8(&t, 0x30);
		fx_u8(&t, 0x82);
		fx_u16(&t, (unsigned)(15 + 4 + 1 + klen + 1));
		fx_put(&t, cd.spki.p + 4, 15);
		fx_u8(&t, 0x03);
		fx_u8(&t, 0x82);
		fx_u16(&t, (unsigned)(1 + klen + 1));
		fx_put(&t, bits, 1 + klen);
		fx_u8(&t, 0x00);
		cr_assert_not(ctl_der_spki_rsa(&(ctl_der_span){t.p, t.n}, &key), "trailing byte");
		fx_free(&t);
	}
	/* Cut anywhere: refused. */
	for (size_t cut = 0; cut < bn; cut++)
		cr_assert_not(ctl_der_spki_rsa(&(ctl_der_span){cd.spki.p, cut}, &key), "cut %zu", cut);
	cr_assert_not(ctl_der_spki_rsa(&(ctl_der_span){NULL, 0}, &key));
	free(b);
	free(der);
}

/* A certificate with a negative serial decodes (OpenSSL takes it) but is
 * not read from the DER: the record's key comes from decoding it. */
Test(certder, negative_serial_is_left_to_openssl)
{
	X509 *x = X509_new();
	EVP_PKEY *k = EVP_RSA_gen(1024);
	ASN1_INTEGER *s = ASN1_INTEGER_new();
	uint8_t *der = NULL;
	int n;
	ctl_cert_der cd;
	ctl_der_span mag;

	cr_assert(x && k && s);
	cr_assert(ASN1_INTEGER_set_int64(s, -5));
	cr_assert(X509_set_serialNumber(x, s));
	cr_assert(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
					     (const unsigned char *)"neg", -1, -1, 0));
	cr_assert(X509_set_issuer_name(x, X509_get_subject_name(x)));
	cr_assert(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	cr_assert(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	cr_assert(X509_set_pubkey(x, k));
	cr_assert(X509_sign(x, k, EVP_sha256()));
	n = i2d_X509(x, &der);
	cr_assert_gt(n, 0);
	cr_assert(ctl_der_cert_read(der, (size_t)n, &cd));
	cr_assert_not(ctl_der_serial_magnitude(&cd.serial, &mag));
	cr_assert_eq(ctl_certinfo_der(der, (size_t)n, &(ctl_certinfo){0}), CTL_E_MALFORMED);
	OPENSSL_free(der);
	ASN1_INTEGER_free(s);
	EVP_PKEY_free(k);
	X509_free(x);
}

/* A time read from the DER is OpenSSL's, or (time_t)-1 where OpenSSL reads
 * it differently or not at all (then the caller asks OpenSSL): never a
 * date OpenSSL would not give, such as 31 April rolled over to 1 May. */
Test(certder, times_agree_with_openssl)
{
	static const char *const utc[] = {
		"230228000000Z", "230229000000Z", "240229000000Z", "000229000000Z",
		"230431000000Z", "231231235959Z", "230101240000Z", "230101006000Z",
		"230101000060Z", "491231235959Z", "500101000000Z", "230001000000Z",
		"231300000000Z", "2301010000+0", "23010100000Z0", "2a0101000000Z",
	};
	size_t n;
	uint8_t *der = fx_cert_der("ccm2.pem", &n);
	const uint8_t *q = der;
	X509 *x = d2i_X509(NULL, &q, (long)n);
	const ASN1_TIME *na = X509_get0_notAfter(x);
	uint8_t *at;

	cr_assert_eq(ASN1_STRING_type(na), V_ASN1_UTCTIME, "the fixture's notAfter is a UTCTime");
	at = memmem(der, n, ASN1_STRING_get0_data(na), (size_t)ASN1_STRING_length(na));
	cr_assert(at && ASN1_STRING_length(na) == 13);
	for (size_t i = 0; i < sizeof(utc) / sizeof(utc[0]); i++) {
		ASN1_TIME *t = ASN1_UTCTIME_new();
		struct tm tm;
		time_t want;
		ctl_cert_der cd;

		cr_assert(ASN1_STRING_set(t, utc[i], 13));
		want = ASN1_TIME_to_tm(t, &tm) ? timegm(&tm) : (time_t)-1;
		memcpy(at, utc[i], 13);
		cr_assert(ctl_der_cert_read(der, n, &cd), "%s", utc[i]);
		cr_assert(cd.not_after == want || cd.not_after == (time_t)-1,
			  "%s: DER %lld, OpenSSL %lld", utc[i], (long long)cd.not_after,
			  (long long)want);
		ASN1_TIME_free(t);
	}
	X509_free(x);
	free(der);
}

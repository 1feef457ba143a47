/* Certificate identity: serial + issuer as a Distinguished Name, confirmed
 * by the public key. See identity.h for why names are never compared as
 * strings. */
#include "identity.h"

#include "util.h"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ctl_serial_eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	while (an > 1 && *a == 0)
		a++, an--;
	while (bn > 1 && *b == 0)
		b++, bn--;
	return an == bn && memcmp(a, b, an) == 0;
}

/* ---- Distinguished Names ---------------------------------------------- */

/* One attribute, normalised: key lower-case with aliases resolved, value
 * unquoted, unescaped, blanks trimmed and folded, lower-case. */
struct ava {
	char *key;
	char *val;
};

struct dn {
	size_t n;
	struct ava *a;
	bool oom;
};

static const struct {
	const char *alias;
	const char *key;
} key_aliases[] = {
	{"s", "st"},
	{"stateorprovincename", "st"},
	{"e", "emailaddress"},
	{"email", "emailaddress"},
	{"commonname", "cn"},
	{"organizationname", "o"},
	{"organizationalunitname", "ou"},
	{"localityname", "l"},
	{"countryname", "c"},
	{"2.5.4.3", "cn"},
	{"2.5.4.6", "c"},
	{"2.5.4.7", "l"},
	{"2.5.4.8", "st"},
	{"2.5.4.10", "o"},
	{"2.5.4.11", "ou"},
};

/* Lower-case, fold every run of blanks to one, drop blanks at both ends. */
static void fold(char *s)
{
	char *o = s;
	bool blank = false;

	for (char *p = s; *p; p++) {
		if (isspace((unsigned char)*p)) {
			blank = o != s;
			continue;
		}
		if (blank)
			*o++ = ' ';
		blank = false;
		*o++ = (char)tolower((unsigned char)*p);
	}
	*o = '\0';
}

/* The value part of one attribute: Cisco's quotes (a closing quote may be
 * missing) and RFC 4514 backslash escapes removed. */
static char *unquote(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	size_t i = 0;

	if (!out)
		return NULL;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	for (; i < n; i++) {
		if (s[i] == '"')
			continue;
		if (s[i] == '\\' && i + 1 < n) {
			int h = ctl_hex_digit((unsigned char)s[i + 1]),
			    l = i + 2 < n ? ctl_hex_digit((unsigned char)s[i + 2]) : -1;
			if (h >= 0 && l >= 0) {
				*o++ = (char)(h * 16 + l);
				i += 2;
			} else {
				*o++ = s[++i];
			}
			continue;
		}
		*o++ = s[i];
	}
	*o = '\0';
	fold(out);
	return out;
}

static void dn_free(struct dn *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->a[i].key);
		free(d->a[i].val);
	}
	free(d->a);
	d->a = NULL;
	d->n = 0;
}

/* A new attribute from "key=raw value" (the value normalised later). */
static void dn_add(struct dn *d, const char *seg, size_t n, const char *eq)
{
	struct ava *p;
	char *key, *val;

	if (d->oom)
		return;
	key = strndup(seg, (size_t)(eq - seg));
	val = strndup(eq + 1, n - (size_t)(eq - seg) - 1);
	p = realloc(d->a, (d->n + 1) * sizeof(*p));
	if (p)
		d->a = p;
	if (!key || !val || !p) {
		free(key);
		free(val);
		d->oom = true;
		return;
	}
	fold(key);
	for (size_t i = 0; i < sizeof(key_aliases) / sizeof(key_aliases[0]); i++)
		if (!strcmp(key, key_aliases[i].alias)) {
			char *k = strdup(key_aliases[i].key);
			if (!k) {
				d->oom = true;
				k = key;
			} else {
				free(key);
			}
			key = k;
			break;
		}
	d->a[d->n].key = key;
	d->a[d->n].val = val;
	d->n++;
}

/* A segment without `=' is a separator inside an unescaped value (CUCM
 * does not escape `O=Example, Inc.'): it goes back onto the value before,
 * separator included. */
static void dn_join(struct dn *d, char sep, const char *seg, size_t n)
{
	struct ava *last;
	size_t a;
	char *j;

	if (d->oom || !d->n)
		return;
	last = &d->a[d->n - 1];
	a = strlen(last->val);
	if (!(j = realloc(last->val, a + n + 2))) {
		d->oom = true;
		return;
	}
	j[a] = sep;
	memcpy(j + a + 1, seg, n);
	j[a + 1 + n] = '\0';
	last->val = j;
}

/* Split at `;', `,' and `+' outside quotes and not escaped, then normalise
 * each value. */
static void dn_parse(const char *s, struct dn *d)
{
	const char *seg = s;
	char sep = 0;
	bool quoted = false;

	memset(d, 0, sizeof(*d));
	for (const char *p = s;; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			quoted = !quoted;
		if (!*p || (!quoted && (*p == ';' || *p == ',' || *p == '+'))) {
			size_t n = (size_t)(p - seg);
			const char *eq = memchr(seg, '=', n);
			bool blank = true;

			for (size_t i = 0; i < n; i++)
				blank &= isspace((unsigned char)seg[i]) != 0;
			if (eq)
				dn_add(d, seg, n, eq);
			else if (!blank)
				dn_join(d, sep, seg, n);
			if (!*p)
				break;
			sep = *p;
			seg = p + 1;
		}
	}
	for (size_t i = 0; i < d->n && !d->oom; i++) {
		char *v = unquote(d->a[i].val, strlen(d->a[i].val));
		if (!v) {
			d->oom = true;
			break;
		}
		free(d->a[i].val);
		d->a[i].val = v;
	}
}

static int ava_cmp(const void *a, const void *b)
{
	const struct ava *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->val, y->val);
}

bool ctl_dn_equal(const char *a, const char *b)
{
	struct dn x, y;
	bool eq;

	if (!a || !b)
		return false;
	if (!strcmp(a, b))
		return true;
	dn_parse(a, &x);
	dn_parse(b, &y);
	eq = !x.oom && !y.oom && x.n == y.n && x.n > 0;
	if (eq) {
		qsort(x.a, x.n, sizeof(*x.a), ava_cmp);
		qsort(y.a, y.n, sizeof(*y.a), ava_cmp);
		for (size_t i = 0; i < x.n && eq; i++)
			eq = !ava_cmp(&x.a[i], &y.a[i]);
	}
	dn_free(&x);
	dn_free(&y);
	return eq;
}

/* ---- keys and records --------------------------------------------------- */

EVP_PKEY *ctl_record_pubkey(const ctl_record *r, bool *owned)
{
	const ctl_tlv *pkt;
	EVP_PKEY *pk;

	*owned = false;
	if (ctl_rec_cert(r))
		return X509_get0_pubkey(ctl_rec_cert(r));
	if (!(pkt = ctl_rec_find(r, CTL_R_PUBLICKEY)) || !pkt->len)
		return NULL;
	pk = ctl_rsa_pubkey_der(pkt->val, pkt->len);
	*owned = pk != NULL;
	return pk;
}

ctl_status ctl_pubkey_bytes(X509 *x, uint8_t **out, size_t *n, ctl_err *err)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	unsigned char *p = NULL;
	int len;

	*out = NULL;
	if (!pk)
		return ctl_err_ssl(err, CTL_E_MALFORMED, "cannot read the certificate's public key");
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) {
		const ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(x);

		/* The certificate's own bytes when they are the key's DER (an
		 * encoder costs as much as decoding the whole certificate). */
		if (bits && ASN1_STRING_length(bits) > 0 &&
		    (!(bits->flags & ASN1_STRING_FLAG_BITS_LEFT) || !(bits->flags & 7)) &&
		    ctl_der_rsa_pubkey_canonical(ASN1_STRING_get0_data(bits),
						 (size_t)ASN1_STRING_length(bits))) {
			*n = (size_t)ASN1_STRING_length(bits);
			if (!(*out = malloc(*n)))
				return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			memcpy(*out, ASN1_STRING_get0_data(bits), *n);
			return CTL_OK;
		}
		if ((len = i2d_PublicKey(pk, &p)) <= 0)
			return ctl_err_ssl(err, CTL_E_INTERNAL, "cannot encode the RSA public key");
		*out = malloc((size_t)len);
		if (*out)
			memcpy(*out, p, (size_t)len);
		OPENSSL_free(p);
		*n = (size_t)len;
	} else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC) {
		size_t plen = 0;
		uint8_t buf[256];
		/* The certificate's own encoding may be compressed: ask for the
		 * uncompressed point explicitly. */
		EVP_PKEY *dup = EVP_PKEY_dup(pk);
		if (!dup || EVP_PKEY_set_utf8_string_param(dup, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
							   "uncompressed") <= 0 ||
		    EVP_PKEY_get_octet_string_param(dup, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf,
						    sizeof(buf), &plen) <= 0) {
			EVP_PKEY_free(dup);
			return ctl_err_ssl(err, CTL_E_INTERNAL, "cannot encode the EC public key");
		}
		EVP_PKEY_free(dup);
		if ((*out = malloc(plen)))
			memcpy(*out, buf, plen);
		*n = plen;
	} else {
		return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				   "certificate key is neither RSA nor EC; phones accept only those");
	}
	if (!*out)
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	return CTL_OK;
}

#define SERIAL_DIFFERS "its SERIALNUMBER is not its CERTIFICATE's serial"
#define KEY_DIFFERS "its PUBLICKEY is not its CERTIFICATE's key"

/* PUBLICKEY against a certificate's RSA key: the key's own DER bytes
 * (ckder, may be NULL) match at once, else decoded and compared as keys
 * (an encoder's choices must not matter). */
static bool rsa_tlv_matches(const ctl_tlv *pkt, EVP_PKEY *ck, const ctl_der_span *ckder)
{
	EVP_PKEY *pk;
	bool ok;

	if (ckder && ckder->n == pkt->len && !memcmp(ckder->p, pkt->val, pkt->len))
		return true;
	pk = ctl_rsa_pubkey_der(pkt->val, pkt->len);
	ok = pk && EVP_PKEY_eq(pk, ck) == 1;
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return ok;
}

/* PUBLICKEY of a record against a certificate's key: RSA as keys, EC as
 * points. */
static bool pubkey_tlv_matches(const ctl_tlv *pkt, X509 *x)
{
	EVP_PKEY *ck = X509_get0_pubkey(x);
	uint8_t *b = NULL;
	size_t n = 0;
	bool ok;

	if (!ck)
		return false;
	if (EVP_PKEY_get_base_id(ck) == EVP_PKEY_RSA)
		return rsa_tlv_matches(pkt, ck, NULL);
	ok = !ctl_pubkey_bytes(x, &b, &n, NULL) && b && n == pkt->len && !memcmp(b, pkt->val, n);
	free(b);
	ERR_clear_error();
	return ok;
}

bool ctl_record_consistent(const ctl_record *r, char *why, size_t whysz)
{
	const ctl_tlv *rs = ctl_rec_find(r, CTL_R_SERIALNUMBER);
	const ctl_tlv *pkt = ctl_rec_find(r, CTL_R_PUBLICKEY);
	uint8_t *s;
	size_t sn = 0;
	bool ok;

	if (!ctl_rec_cert(r))
		return true;
	s = ctl_serial_bytes(ctl_rec_cert(r), &sn);
	ok = s && rs && ctl_serial_eq(rs->val, rs->len, s, sn);
	free(s);
	if (!ok) {
		if (why)
			snprintf(why, whysz, SERIAL_DIFFERS);
		return false;
	}
	if (pkt && !pubkey_tlv_matches(pkt, ctl_rec_cert(r))) {
		if (why)
			snprintf(why, whysz, KEY_DIFFERS);
		return false;
	}
	return true;
}

bool ctl_record_key_der(const ctl_record *r, EVP_PKEY **key, char *why, size_t whysz)
{
	const ctl_tlv *ct = ctl_rec_find(r, CTL_R_CERTIFICATE);
	const ctl_tlv *rs = ctl_rec_find(r, CTL_R_SERIALNUMBER);
	const ctl_tlv *pkt = ctl_rec_find(r, CTL_R_PUBLICKEY);
	ctl_cert_der cd;
	ctl_der_span serial, kd;
	EVP_PKEY *pk;

	*key = NULL;
	if (why && whysz)
		why[0] = '\0';
	if (!ct || r->cert_tried || !(pk = ctl_der_cert_rsa(ct->val, ct->len, &cd, &serial, &kd)))
		return false;
	*key = pk;
	if (!rs || !ctl_serial_eq(rs->val, rs->len, serial.p, serial.n)) {
		if (why)
			snprintf(why, whysz, SERIAL_DIFFERS);
	} else if (pkt && !rsa_tlv_matches(pkt, pk, &kd)) {
		if (why)
			snprintf(why, whysz, KEY_DIFFERS);
	}
	return true;
}

bool ctl_cert_is(X509 *cert, const uint8_t *serial, size_t sn, const char *issuer)
{
	size_t cn = 0;
	uint8_t *cs = ctl_serial_bytes(cert, &cn);
	char *ci;
	bool ok;

	ok = cs && ctl_serial_eq(cs, cn, serial, sn);
	free(cs);
	if (!ok)
		return false;
	ci = ctl_name_string(X509_get_issuer_name(cert));
	ok = ci && ctl_dn_equal(ci, issuer);
	free(ci);
	return ok;
}

/* The record's CERTIFICATE is exactly cert's DER (its kept encoding: no
 * decoding of the record's). */
static bool same_der(const ctl_record *r, X509 *cert)
{
	const ctl_tlv *ct = ctl_rec_find(r, CTL_R_CERTIFICATE);

	return ct && ctl_cert_der_is(cert, ct->val, ct->len);
}

bool ctl_record_holds(const ctl_record *r, X509 *cert)
{
	const ctl_tlv *rs = ctl_rec_find(r, CTL_R_SERIALNUMBER);
	bool owned;
	EVP_PKEY *pk;
	bool ok;

	if (!cert || !rs || !ctl_cert_is(cert, rs->val, rs->len,
					 ctl_tlv_str(ctl_rec_find(r, CTL_R_ISSUERNAME))))
		return false;
	if (same_der(r, cert))
		return true;
	if (ctl_rec_cert(r))
		return X509_get0_pubkey(ctl_rec_cert(r)) &&
		       EVP_PKEY_eq(X509_get0_pubkey(ctl_rec_cert(r)), X509_get0_pubkey(cert)) == 1;
	if (!ctl_rec_find(r, CTL_R_PUBLICKEY))
		return true;   /* nothing more to confirm with */
	pk = ctl_record_pubkey(r, &owned);
	ok = pk && X509_get0_pubkey(cert) && EVP_PKEY_eq(pk, X509_get0_pubkey(cert)) == 1;
	if (owned)
		EVP_PKEY_free(pk);
	ERR_clear_error();
	return ok;
}

int ctl_file_sast_of(const ctl_file *f, X509 *cert)
{
	for (size_t i = 0; f && i < f->nrec; i++)
		if (ctl_rec_function(&f->rec[i]) == CTL_ROLE_SAST && ctl_record_holds(&f->rec[i], cert))
			return (int)i;
	return -1;
}

void ctl_cert_describe(X509 *x, char *out, size_t n)
{
	ctl_certinfo ci;

	if (x && !ctl_certinfo_nofp(x, &ci, NULL)) {
		snprintf(out, n, "%s, serial %s", ci.subject, ci.serial_hex);
		ctl_certinfo_free(&ci);
	} else {
		snprintf(out, n, "%s", x ? "a certificate that does not decode" : "no certificate");
	}
}

bool ctl_cert_eq(X509 *a, X509 *b)
{
	unsigned char *da = NULL;
	int na;
	bool eq;

	if (a == b)
		return a != NULL;
	if (!a || !b || (na = i2d_X509(a, &da)) <= 0)
		return false;
	eq = ctl_cert_der_is(b, da, (size_t)na);
	OPENSSL_free(da);
	return eq;
}

bool ctl_cert_same(X509 *a, X509 *b)
{
	size_t sn = 0;
	uint8_t *s;
	char *iss;
	bool ok;

	if (!a || !b)
		return false;
	if (ctl_cert_eq(a, b))
		return true;
	s = ctl_serial_bytes(b, &sn);
	iss = ctl_name_string(X509_get_issuer_name(b));
	ok = s && iss && ctl_cert_is(a, s, sn, iss) && X509_get0_pubkey(a) &&
	     X509_get0_pubkey(b) && EVP_PKEY_eq(X509_get0_pubkey(a), X509_get0_pubkey(b)) == 1;
	free(s);
	free(iss);
	return ok;
}

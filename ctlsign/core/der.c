/* A certificate's DER shape, read without decoding it: the parse of a list
 * whose certificates are decoded only when a command needs them
 * (CTL_PARSE_LAZY), and a certificate's end of validity for a warning. */
#include "ctl.h"

#include <string.h>
#include <time.h>

struct der {
	unsigned tag;
	const uint8_t *v;
	size_t n;
};

/* The TLV at *p, before end: a low tag number (X.509 uses no others) and a
 * definite length of at most 4 bytes. */
static bool der_next(const uint8_t **p, const uint8_t *end, struct der *d)
{
	const uint8_t *q = *p;
	size_t n;

	if (end - q < 2)
		return false;
	d->tag = *q++;
	if ((d->tag & 0x1f) == 0x1f)
		return false;
	n = *q++;
	if (n & 0x80) {
		unsigned k = n & 0x7f;

		/* k == 0 is BER's indefinite length: not DER. */
		if (k == 0 || k > 4 || (size_t)(end - q) < k)
			return false;
		for (n = 0; k--;)
			n = n << 8 | *q++;
	}
	if (n > (size_t)(end - q))
		return false;
	d->v = q;
	d->n = n;
	*p = q + n;
	return true;
}

static int digits(const uint8_t *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* Days in month m (0-11) of year y: a date past it is no date (OpenSSL
 * refuses it too), not the next month's. */
static int days_in(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return d[m] + (m == 1 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ, the forms RFC
 * 5280 allows; anything else (time_t)-1, for the caller to ask OpenSSL. */
static time_t der_time(const struct der *d)
{
	struct tm tm;
	int y;
	const uint8_t *p = d->v;

	memset(&tm, 0, sizeof(tm));
	if (d->tag == 0x17 && d->n == 13 && p[12] == 'Z') {
		if ((y = digits(p, 2)) < 0)
			return (time_t)-1;
		tm.tm_year = (y < 50 ? 2000 + y : 1900 + y) - 1900;
		p += 2;
	} else if (d->tag == 0x18 && d->n == 15 && p[14] == 'Z') {
		if ((y = digits(p, 4)) < 0)
			return (time_t)-1;
		tm.tm_year = y - 1900;
		p += 4;
	} else {
		return (time_t)-1;
	}
	tm.tm_mon = digits(p, 2) - 1;
	tm.tm_mday = digits(p + 2, 2);
	tm.tm_hour = digits(p + 4, 2);
	tm.tm_min = digits(p + 6, 2);
	tm.tm_sec = digits(p + 8, 2);
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > days_in(tm.tm_year + 1900, tm.tm_mon) || tm.tm_hour < 0 ||
	    tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 59)
		return (time_t)-1;
	return timegm(&tm);
}

/* The TLV at *p read into d, its whole encoding (header included) into w. */
static bool der_next_whole(const uint8_t **p, const uint8_t *end, struct der *d, ctl_der_span *w)
{
	const uint8_t *start = *p;

	if (!der_next(p, end, d))
		return false;
	w->p = start;
	w->n = (size_t)(*p - start);
	return true;
}

bool ctl_der_cert_read(const uint8_t *p, size_t len, ctl_cert_der *out)
{
	/* tbsCertificate after the optional version: the tags in order, then
	 * the optional issuerUniqueID [1], subjectUniqueID [2], extensions [3]. */
	static const unsigned tbs_tags[] = {0x02, 0x30, 0x30, 0x30, 0x30, 0x30};
	static const unsigned opt_tags[] = {0x81, 0x82, 0xa3};
	const uint8_t *end, *q, *qend;
	struct der cert, tbs, d, t1, t2;
	ctl_cert_der c;
	ctl_der_span whole[6];
	struct der field[6];
	size_t o = 0;

	memset(&c, 0, sizeof(c));
	c.not_before = c.not_after = (time_t)-1;
	if (out)
		*out = c;
	if (!p)
		return false;
	end = p + len;
	if (!der_next(&p, end, &cert) || p != end || cert.tag != 0x30)
		return false;
	q = cert.v;
	qend = cert.v + cert.n;
	if (!der_next(&q, qend, &tbs) || tbs.tag != 0x30 || !der_next(&q, qend, &d) ||
	    d.tag != 0x30 || !der_next(&q, qend, &d) || d.tag != 0x03 || q != qend)
		return false;
	q = tbs.v;
	qend = tbs.v + tbs.n;
	if (q < qend && *q == 0xa0 && !der_next(&q, qend, &d))
		return false;
	for (size_t i = 0; i < sizeof(tbs_tags) / sizeof(tbs_tags[0]); i++)
		if (!der_next_whole(&q, qend, &field[i], &whole[i]) || field[i].tag != tbs_tags[i])
			return false;
	while (q < qend) {
		if (!der_next(&q, qend, &d))
			return false;
		while (o < sizeof(opt_tags) / sizeof(opt_tags[0]) && opt_tags[o] != d.tag)
			o++;
		if (o++ == sizeof(opt_tags) / sizeof(opt_tags[0]))
			return false;
	}
	q = field[3].v;
	qend = field[3].v + field[3].n;
	if (!der_next(&q, qend, &t1) || !der_next(&q, qend, &t2) || q != qend ||
	    (t1.tag != 0x17 && t1.tag != 0x18) || (t2.tag != 0x17 && t2.tag != 0x18))
		return false;
	if (!out)
		return true;
	c.serial.p = field[0].v;
	c.serial.n = field[0].n;
	c.issuer = whole[2];
	c.subject = whole[4];
	c.spki = whole[5];
	c.not_before = der_time(&t1);
	c.not_after = der_time(&t2);
	*out = c;
	return true;
}

bool ctl_der_cert_shape(const uint8_t *p, size_t len, time_t *not_after)
{
	ctl_cert_der c;
	bool ok;

	/* The parse asks for the shape only: no dates worked out. */
	if (!not_after)
		return ctl_der_cert_read(p, len, NULL);
	ok = ctl_der_cert_read(p, len, &c);
	*not_after = c.not_after;
	return ok;
}

/* The header size DER gives a value of n bytes: lengths in the fewest bytes. */
static size_t der_hdr_size(size_t n)
{
	size_t k = 0;

	if (n < 0x80)
		return 2;
	for (; n; n >>= 8)
		k++;
	return 2 + k;
}

/* A positive INTEGER in its one DER form: no leading 00 it does not need. */
static bool der_uint_canonical(const uint8_t *start, const struct der *d)
{
	return d->tag == 0x02 && (size_t)(d->v - start) == der_hdr_size(d->n) && d->n > 0 &&
	       !(d->v[0] & 0x80) && !(d->n > 1 && d->v[0] == 0 && !(d->v[1] & 0x80));
}

bool ctl_der_rsa_pubkey_canonical(const uint8_t *p, size_t len)
{
	const uint8_t *start = p, *end, *q, *qend, *s;
	struct der seq, n, e;

	if (!p)
		return false;
	end = p + len;
	if (!der_next(&p, end, &seq) || p != end || seq.tag != 0x30 ||
	    (size_t)(seq.v - start) != der_hdr_size(seq.n))
		return false;
	q = seq.v;
	qend = seq.v + seq.n;
	s = q;
	if (!der_next(&q, qend, &n) || !der_uint_canonical(s, &n))
		return false;
	s = q;
	return der_next(&q, qend, &e) && der_uint_canonical(s, &e) && q == qend;
}

bool ctl_der_serial_magnitude(const ctl_der_span *serial, ctl_der_span *out)
{
	const uint8_t *v = serial->p;
	size_t n = serial->n;

	/* The one DER form of a non-negative INTEGER: at least one byte, the
	 * sign bit clear, no leading 00 it does not need. */
	if (!v || n == 0 || (v[0] & 0x80) || (n > 1 && v[0] == 0 && !(v[1] & 0x80)))
		return false;
	if (n > 1 && v[0] == 0)
		v++, n--;
	out->p = v;
	out->n = n;
	return true;
}

bool ctl_der_spki_rsa(const ctl_der_span *spki, ctl_der_span *key)
{
	/* AlgorithmIdentifier { rsaEncryption, NULL }, in its one DER form. */
	static const uint8_t rsa_alg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					  0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
	const uint8_t *p = spki->p, *end, *q, *qend;
	struct der seq, bits;

	if (!p)
		return false;
	end = p + spki->n;
	if (!der_next(&p, end, &seq) || p != end || seq.tag != 0x30)
		return false;
	q = seq.v;
	qend = seq.v + seq.n;
	if ((size_t)(qend - q) < sizeof(rsa_alg) || memcmp(q, rsa_alg, sizeof(rsa_alg)))
		return false;
	q += sizeof(rsa_alg);
	if (!der_next(&q, qend, &bits) || q != qend || bits.tag != 0x03 || bits.n < 2 ||
	    bits.v[0] != 0 || !ctl_der_rsa_pubkey_canonical(bits.v + 1, bits.n - 1))
		return false;
	key->p = bits.v + 1;
	key->n = bits.n - 1;
	return true;
}

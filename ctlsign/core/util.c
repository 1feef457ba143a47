#include "util.h"

#include <openssl/crypto.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool ctl_mac_parse(const char *in, char out[13])
{
	const char *s = in;
	size_t n = 0;
	char sep = 0;

	if (!strncasecmp(s, "SEP", 3))
		s += 3;
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];

		if (ctl_hex_digit((unsigned char)c) >= 0) {
			if (n == 12)
				return false;
			out[n++] = (char)toupper((unsigned char)c);
			continue;
		}
		/* One separator kind, between every pair of digits and nowhere else. */
		if ((c != ':' && c != '-') || (sep && c != sep) || n == 0 || n % 2 || n == 12 ||
		    ctl_hex_digit((unsigned char)s[i + 1]) < 0)
			return false;
		sep = c;
	}
	if (n != 12)
		return false;
	if (sep) {
		/* With separators, all five must be there: "00:1A2B:..." is refused. */
		size_t count = 0;
		for (const char *p = s; *p; p++)
			count += *p == sep;
		if (count != 5)
			return false;
	}
	out[12] = '\0';
	return true;
}

/* ---- Hex ---------------------------------------------------------------- */

int ctl_hex_digit(int c)
{
	return OPENSSL_hexchar2int((unsigned char)c);
}

bool ctl_hex_pair(const char *s, uint8_t *out)
{
	int hi = ctl_hex_digit((unsigned char)s[0]), lo = hi < 0 ? -1 : ctl_hex_digit((unsigned char)s[1]);

	if (hi < 0 || lo < 0)
		return false;
	*out = (uint8_t)(hi << 4 | lo);
	return true;
}

char *ctl_hex_encode(const uint8_t *p, size_t n, char sep, bool upper, char *out, size_t outsz)
{
	size_t per = sep ? 3 : 2, fit;

	if (!outsz)
		return out;
	out[0] = '\0';
	/* With a separator the last byte has none, but needs the terminator. */
	fit = sep ? outsz / per : (outsz - 1) / per;
	if (n > fit)
		n = fit;
	if (n && !OPENSSL_buf2hexstr_ex(out, outsz, NULL, p, n, sep))
		out[0] = '\0';
	if (!upper)
		for (char *c = out; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	return out;
}

char *ctl_hex_dup(const uint8_t *p, size_t n, char sep, bool upper)
{
	size_t sz = n * (sep ? 3 : 2) + 1;
	char *s = malloc(sz);

	return s ? ctl_hex_encode(p, n, sep, upper, s, sz) : NULL;
}

void ctl_hex_colon(const uint8_t *p, size_t n, char *out, size_t outsz)
{
	ctl_hex_encode(p, n, ':', true, out, outsz);
}

bool ctl_hex_decode(const char *in, char sep, uint8_t *out, size_t n)
{
	size_t len = strlen(in), got = 0;

	if (!n || len != (sep ? 3 * n - 1 : 2 * n))
		return false;
	/* OpenSSL skips separators anywhere; here they stand between pairs only. */
	for (size_t i = 0; sep && i + 2 < len; i += 3)
		if (in[i + 2] != sep)
			return false;
	return OPENSSL_hexstr2buf_ex(out, n, &got, in, sep) == 1 && got == n;
}

/* ---- Times -------------------------------------------------------------- */

static char *time_fmt(time_t t, const char *fmt, char *out, size_t n)
{
	struct tm tm;

	if (!n)
		return out;
	if (t == (time_t)-1 || !gmtime_r(&t, &tm) || !strftime(out, n, fmt, &tm))
		out[0] = '\0';
	return out;
}

char *ctl_time_iso(time_t t, char *out, size_t n)
{
	return time_fmt(t, "%Y-%m-%dT%H:%M:%SZ", out, n);
}

char *ctl_date_iso(time_t t, char *out, size_t n)
{
	return time_fmt(t, "%Y-%m-%d", out, n);
}

/* ---- Certificates and keys on disk -------------------------------------- */

bool ctl_is_pem(const uint8_t *buf, size_t len)
{
	return len >= 10 && memmem(buf, len, "-----BEGIN", 10) != NULL;
}

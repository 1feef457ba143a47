/* URLs, HOST:PORT and fingerprints; inputs that may be URLs. The downloads
 * themselves are in fetch_curl.c, in the network module (docs/benchmarks.md). */
#include "fetch.h"

#include "util.h"

#include "io.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

bool ctl_is_url(const char *s)
{
	return s && (!strncasecmp(s, "tftp://", 7) || !strncasecmp(s, "http://", 7));
}

bool ctl_hostport_parse(const char *in, char *host, size_t hostsz, unsigned *port)
{
	const char *h = in, *end, *colon = NULL;
	size_t hl;

	*port = 0;
	if (!in || !*in)
		return false;
	if (*in == '[') {
		if (!(end = strchr(in, ']')))
			return false;
		h = in + 1;
		hl = (size_t)(end - h);
		if (end[1] == ':')
			colon = end + 1;
		else if (end[1])
			return false;
	} else {
		const char *first = strchr(in, ':');
		/* Two colons or more: a bare IPv6 address, no port. */
		if (first && !strchr(first + 1, ':'))
			colon = first;
		hl = colon ? (size_t)(colon - in) : strlen(in);
	}
	if (hl == 0 || hl >= hostsz)
		return false;
	if (colon) {
		unsigned long v = 0;
		const char *p = colon + 1;

		if (!*p || strlen(p) > 5)
			return false;
		for (; *p; p++) {
			if (!isdigit((unsigned char)*p))
				return false;
			v = v * 10 + (unsigned long)(*p - '0');
		}
		if (v < 1 || v > 65535)
			return false;
		*port = (unsigned)v;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	for (size_t i = 0; i < hl; i++)
		if (isspace((unsigned char)host[i]) || host[i] == '/' || host[i] == '[' ||
		    host[i] == ']' || host[i] == '@')
			return false;
	return true;
}

bool ctl_fingerprint_parse(const char *in, uint8_t out[32])
{
	return ctl_hex_decode(in, strchr(in, ':') ? ':' : 0, out, 32);
}

ctl_status ctl_read_input(const char *path_or_url, size_t max, uint8_t **out, size_t *len,
			  ctl_err *err)
{
	if (ctl_is_url(path_or_url))
		return ctl_fetch_input(path_or_url, max, out, len, err);
	return ctl_read_file(path_or_url, max, out, len, err);
}

/* libFuzzer target for PKCS#11 URI handling (pkcs11/uri.c over p11-kit).
 * Two parts per input:
 *  1. the input as a URI string: ctl_token_uri_parse accepts it or refuses it
 *     with CTL_E_USAGE and a message; an accepted URI answers every query;
 *  2. the round trip: token and object fields cut from the input go through
 *     ctl_token_uri_format, and the formatted URI must parse again and match
 *     the same token and object (and keep the module path). */
#include "token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                              \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "fuzz_uri: property failed: %s (%s:%d)\n", \
				#c, __FILE__, __LINE__);                      \
			abort();                                              \
		}                                                             \
	} while (0)

/* Next field of the input: bytes up to a 0x00 separator (NUL-free). */
static char *field(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *q = *p;
	size_t n;
	char *s;

	while (q < end && *q)
		q++;
	n = (size_t)(q - *p);
	s = malloc(n + 1);
	CHECK(s);
	memcpy(s, *p, n);
	s[n] = '\0';
	*p = q < end ? q + 1 : q;
	return s;
}

/* Does the query part name a pin-value attribute? (independent scan) */
static bool has_pin_value(const char *s)
{
	const char *q = strchr(s, '?');

	while (q) {
		q++;
		if (!strncmp(q, "pin-value=", 10) || !strcmp(q, "pin-value"))
			return true;
		q = strchr(q, '&');
	}
	return false;
}

static void parse_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	ctl_token_uri *u = NULL;
	ctl_err err;
	ctl_status st;

	CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	ctl_err_clear(&err);
	st = ctl_token_uri_parse(s, &u, &err);
	if (st == CTL_OK) {
		ctl_token_info t = {0};
		static const uint8_t id[2] = {0x01, 0x02};

		CHECK(u != NULL);
		CHECK(strncmp(s, "pkcs11:", 7) == 0);
		/* A PIN inside the URI is always refused. */
		CHECK(!has_pin_value(s));
		(void)ctl_token_uri_module_path(u);
		(void)ctl_token_uri_pin_source(u);
		(void)ctl_token_uri_type(u);
		t.label = "eToken";
		t.manufacturer = "SafeNet, Inc.";
		t.model = "eToken";
		t.serial = "0054f509";
		(void)ctl_token_uri_match_token(u, &t);
		(void)ctl_token_uri_match_object(u, id, sizeof(id), "key", "private");
		(void)ctl_token_uri_match_object(u, NULL, 0, NULL, NULL);
		ctl_token_uri_free(u);
	} else {
		CHECK(u == NULL);
		CHECK(st == CTL_E_USAGE);
		CHECK(err.msg[0] != '\0');
	}
	free(s);
}

static void round_trip(const uint8_t *data, size_t size)
{
	static const char *const types[] = {NULL, "private", "cert", "public", "data", "secret-key"};
	const uint8_t *p = data, *end = data + size;
	ctl_token_info t = {0};
	char *object, *module, *idhex, *uri;
	const char *type;
	uint8_t id[64];
	size_t idlen;
	ctl_token_uri *u = NULL;
	ctl_err err;

	if (size < 2)
		return;
	type = types[*p++ % (sizeof(types) / sizeof(types[0]))];
	t.label = field(&p, end);
	t.manufacturer = field(&p, end);
	t.model = field(&p, end);
	t.serial = field(&p, end);
	object = field(&p, end);
	module = field(&p, end);
	idhex = field(&p, end);
	idlen = strlen(idhex) < sizeof(id) ? strlen(idhex) : sizeof(id);
	memcpy(id, idhex, idlen);

	uri = ctl_token_uri_format(&t, idlen ? id : NULL, idlen, object, type,
				   module[0] ? module : NULL);
	CHECK(uri != NULL);
	CHECK(strncmp(uri, "pkcs11:", 7) == 0);
	ctl_err_clear(&err);
	if (ctl_token_uri_parse(uri, &u, &err) != CTL_OK) {
		fprintf(stderr, "fuzz_uri: formatted URI does not parse: %s\n  %s\n", uri, err.msg);
		abort();
	}
	CHECK(ctl_token_uri_match_token(u, &t));
	if (type) {
		CHECK(ctl_token_uri_match_object(u, idlen ? id : NULL, idlen, object, type));
		if (strcmp(type, "data") != 0 && strcmp(type, "secret-key") != 0)
			CHECK(ctl_token_uri_type(u) && strcmp(ctl_token_uri_type(u), type) == 0);
	}
	if (module[0])
		CHECK(ctl_token_uri_module_path(u) && strcmp(ctl_token_uri_module_path(u), module) == 0);
	else
		CHECK(ctl_token_uri_module_path(u) == NULL);
	ctl_token_uri_free(u);
	free(uri);
	free(t.label);
	free(t.manufacturer);
	free(t.model);
	free(t.serial);
	free(object);
	free(module);
	free(idhex);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	parse_string(data, size);
	round_trip(data, size);
	return 0;
}

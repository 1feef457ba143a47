/* The network layer's pieces that need no server: URL, HOST:PORT and
 * fingerprint parsing, refusals before any traffic, timeouts against
 * loopback sockets this test opens and never answers, certificate chain
 * links. Real TFTP, HTTP and TLS servers are in tests/e2e/fetch.sh. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "fixtures.h"
#include "format.h"
#include "io.h"

Test(fetch, url_classified)
{
	static const char *const urls[] = {
		"tftp://cucm/CTLFile.tlv", "TFTP://cucm/CTLFile.tlv", "http://cucm:6970/ITLFile.tlv",
		"HtTp://[::1]:6970/x", "tftp://", "http://",
	};
	static const char *const paths[] = {
		"CTLFile.tlv", "/tmp/CTLFile.tlv", "-", "", "https://cucm/CTLFile.tlv",
		"ftp://cucm/CTLFile.tlv", "file:///etc/passwd", "tftp:/cucm/x", "tftp:cucm",
		" tftp://cucm/x", "./tftp://cucm/x",
	};

	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		cr_assert(ctl_is_url(urls[i]), "%s not a URL", urls[i]);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		cr_assert(!ctl_is_url(paths[i]), "%s taken for a URL", paths[i]);
	cr_assert(!ctl_is_url(NULL));
}

Test(fetch, hostport_forms)
{
	static const struct {
		const char *in, *host;
		unsigned port;
	} ok[] = {
		{"cucm-pub", "cucm-pub", 0},        {"cucm-pub:2443", "cucm-pub", 2443},
		{"192.0.2.10", "192.0.2.10", 0},    {"192.0.2.10:69", "192.0.2.10", 69},
		{"[::1]", "::1", 0},                {"[::1]:6969", "::1", 6969},
		{"::1", "::1", 0},                  {"2001:db8::10", "2001:db8::10", 0},
		{"[2001:db8::10]:65535", "2001:db8::10", 65535}, {"h:1", "h", 1},
	};
	static const char *const bad[] = {
		"", ":69", "host:", "host:0", "host:65536", "host:99999", "host:12a", "host:-1",
		"[::1", "[::1]x", "[::1]:", "[]:69", "ho st", "a/b", "user@host", "[::1]:0",
		"host:+69", "host:000069",
	};
	char host[64];
	unsigned port;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert(ctl_hostport_parse(ok[i].in, host, sizeof(host), &port), "%s refused",
			  ok[i].in);
		cr_assert_str_eq(host, ok[i].host, "%s", ok[i].in);
		cr_assert_eq(port, ok[i].port, "%s", ok[i].in);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(!ctl_hostport_parse(bad[i], host, sizeof(host), &port), "`%s' accepted",
			  bad[i]);
	/* A host that does not fit is refused, not cut. */
	cr_assert(!ctl_hostport_parse("abcdefgh:69", host, 8, &port));
	cr_assert(ctl_hostport_parse("abcdefg:69", host, 8, &port));
}

Test(fetch, fingerprint_forms)
{
	static const char hex[] =
		"0c524e9d044e9325c4d73ca1d8ebe2c5ccf241d4405729db058706fc67dabf82";
	char colon[200] = "", upper[80];
	uint8_t a[32], b[32], c[32];

	for (size_t i = 0; i < 32; i++)
		snprintf(colon + strlen(colon), sizeof(colon) - strlen(colon), "%s%.2s", i ? ":" : "",
			 hex + 2 * i);
	for (size_t i = 0; hex[i]; i++)
		upper[i] = (char)(hex[i] >= 'a' ? hex[i] - 32 : hex[i]);
	upper[64] = '\0';
	cr_assert(ctl_fingerprint_parse(hex, a));
	cr_assert(ctl_fingerprint_parse(colon, b));
	cr_assert(ctl_fingerprint_parse(upper, c));
	cr_assert_arr_eq(a, b, 32);
	cr_assert_arr_eq(a, c, 32);
	cr_assert_eq(a[0], 0x0c);
	cr_assert_eq(a[31], 0x82);

	cr_assert(!ctl_fingerprint_parse("", a));
	cr_assert(!ctl_fingerprint_parse(hex + 2, a), "31 bytes accepted");
	char longer[80];
	snprintf(longer, sizeof(longer), "%s00", hex);
	cr_assert(!ctl_fingerprint_parse(longer, a), "33 bytes accepted");
	char odd[80];
	snprintf(odd, sizeof(odd), "%s0", hex);
	cr_assert(!ctl_fingerprint_parse(odd, a), "odd digit count accepted");
	char badc[80];
	snprintf(badc, sizeof(badc), "%s", hex);
	badc[10] = 'g';
	cr_assert(!ctl_fingerprint_parse(badc, a));
	char trail[210];
	snprintf(trail, sizeof(trail), "%s:", colon);
	cr_assert(!ctl_fingerprint_parse(trail, a), "trailing colon accepted");
	char mixed[200];
	snprintf(mixed, sizeof(mixed), "%s", colon);
	memmove(mixed + 2, mixed + 3, strlen(mixed + 3) + 1);   /* drop the first colon */
	cr_assert(!ctl_fingerprint_parse(mixed, a), "colons in some places only accepted");
}

Test(fetch, refused_before_any_traffic)
{
	static const char *const bad[] = {
		"file:///etc/passwd", "https://127.0.0.1/CTLFile.tlv", "ftp://127.0.0.1/x",
		"tftp://", "http://", "CTLFile.tlv",
	};
	uint8_t *buf = (uint8_t *)"x";
	size_t len = 9;
	bool nf = true;
	ctl_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ctl_err_clear(&err);
		cr_assert_eq(ctl_fetch_url(bad[i], 1000, 1000, &buf, &len, &nf, &err), CTL_E_USAGE,
			     "%s: %s", bad[i], err.msg);
		cr_assert_null(buf);
		cr_assert_eq(len, 0);
		cr_assert(!nf);
	}
	/* Credentials are refused, and the password is not repeated. */
	cr_assert_eq(ctl_fetch_url("tftp://admin:S3cret@127.0.0.1/CTLFile.tlv", 1000, 1000, &buf,
				   &len, &nf, &err), CTL_E_USAGE);
	cr_assert(strstr(err.msg, "credentials"), "%s", err.msg);
	cr_assert_null(strstr(err.msg, "S3cret"), "%s", err.msg);
}

static void check_timeout(const char *scheme, int type)
{
	unsigned port;
	int fd = fx_silent_socket(type, &port);
	char url[128], where[64];
	uint8_t *buf = NULL;
	size_t len = 0;
	bool nf = true;
	ctl_err err;
	double t0 = fx_now(), dt;
	ctl_status st;

	snprintf(url, sizeof(url), "%s://127.0.0.1:%u/CTLFile.tlv", scheme, port);
	snprintf(where, sizeof(where), "127.0.0.1 port %u", port);
	ctl_err_clear(&err);
	st = ctl_fetch_url(url, CTL_FILE_MAX, 500, &buf, &len, &nf, &err);
	dt = fx_now() - t0;
	close(fd);
	cr_assert_eq(st, CTL_E_IO, "%s: %s", url, err.msg);
	cr_assert(!nf, "a timeout is not a missing file");
	cr_assert_null(buf);
	cr_assert(strstr(err.msg, url) == err.msg, "message starts with the URL: %s", err.msg);
	cr_assert(strstr(err.msg, where), "message names host and port: %s", err.msg);
	cr_assert(strstr(err.msg, "no answer"), "%s", err.msg);
	cr_assert(strstr(err.msg, "0.5 s"), "%s", err.msg);
	cr_assert_lt(dt, 2.5, "%s: gave up after %.1f s with a 0.5 s timeout", url, dt);
}

Test(fetch, tftp_timeout_bounded, .timeout = 20)
{
	check_timeout("tftp", SOCK_DGRAM);
}

Test(fetch, http_timeout_bounded, .timeout = 20)
{
	check_timeout("http", SOCK_STREAM);
}

Test(fetch, read_input_file_or_url, .timeout = 20)
{
	char *path = fx_path("ctl-cucm-sha1.tlv");
	size_t flen, len = 0;
	uint8_t *file = fx_read("ctl-cucm-sha1.tlv", &flen), *buf = NULL;
	unsigned port;
	int fd;
	char url[128];
	ctl_err err;

	cr_assert_eq(ctl_read_input(path, CTL_FILE_MAX, &buf, &len, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(len, flen);
	cr_assert_arr_eq(buf, file, len);
	free(buf);
	buf = NULL;
	cr_assert_eq(ctl_read_input(path, 100, &buf, &len, &err), CTL_E_MALFORMED);

	/* A URL goes to the network; the message leaves naming it to the caller. */
	fd = fx_silent_socket(SOCK_STREAM, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/CTLFile.tlv", port);
	close(fd);   /* now nobody listens: refused at once */
	cr_assert_eq(ctl_read_input(url, CTL_FILE_MAX, &buf, &len, &err), CTL_E_IO);
	cr_assert_null(strstr(err.msg, "http://"), "%s", err.msg);
	cr_assert(strstr(err.msg, "127.0.0.1 port"), "%s", err.msg);
	free(path);
	free(file);
}

Test(fetch, tls_connect_refused_and_silent, .timeout = 20)
{
	unsigned port;
	int fd = fx_silent_socket(SOCK_STREAM, &port);
	ctl_peer p;
	ctl_err err;
	char where[64];
	double t0 = fx_now();

	snprintf(where, sizeof(where), "127.0.0.1 port %u", port);
	ctl_err_clear(&err);
	cr_assert_eq(ctl_peer_certs("127.0.0.1", port, 500, &p, &err), CTL_E_IO);
	cr_assert_lt(fx_now() - t0, 2.0);
	cr_assert(strstr(err.msg, where), "%s", err.msg);
	cr_assert(strstr(err.msg, "no certificate received"), "%s", err.msg);
	cr_assert_null(p.chain);
	close(fd);
	cr_assert_eq(ctl_peer_certs("127.0.0.1", port, 500, &p, &err), CTL_E_IO);
	cr_assert(strstr(err.msg, "cannot connect"), "%s", err.msg);
	cr_assert(strstr(err.msg, where), "%s", err.msg);
	ctl_peer_free(&p);
}

Test(fetch, chain_links)
{
	X509 *ccm = fx_cert("ccm1.pem"), *sast = fx_cert("sast1.pem"), *ca = fx_cert("mfgca.pem");

	cr_assert(ctl_cert_self_signed(ccm));
	cr_assert(ctl_cert_self_signed(ca));
	cr_assert(!ctl_cert_self_signed(sast));
	cr_assert(ctl_cert_issued_by(sast, ca));
	cr_assert(!ctl_cert_issued_by(ca, sast));
	cr_assert(!ctl_cert_issued_by(sast, ccm));
	X509_free(ccm);
	X509_free(sast);
	X509_free(ca);
}

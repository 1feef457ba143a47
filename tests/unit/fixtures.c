/* Fixture folder and byte builder shared by the unit tests. */
#include "fixtures.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/pem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const char *const fx_valid[] = {
	"ctl-cucm-sha1.tlv", "ctl-python-sha256.tlv", "ctl-sha512.tlv",
	"ctl-old-sha384.tlv", "ctl-old-sha512.tlv", "ctl-blanked.tlv",
	"ctl-unknown-tags.tlv", "itl.tlv", "ctl-token-oldnames.tlv",
	"ctl-rsa4096.tlv", "ctl-expired-signer.tlv", NULL,
};

const char *const fx_bad[] = {
	"bad-wrong-digest-code.tlv", "bad-signer-missing.tlv", "bad-signer-not-sast.tlv",
	"bad-wrong-key.tlv", "bad-flipped-signature.tlv", "bad-flipped-record.tlv", NULL,
};

/* Set when this process generated the folder (so it removes it). */
static char made_dir[4096];

static void remove_made_dir(void)
{
	char cmd[8300];
	char *slash;

	if (!made_dir[0])
		return;
	/* made_dir is TMP/ctlsign-unit-fx.XXXXXX/fx: remove the parent. */
	if ((slash = strrchr(made_dir, '/')))
		*slash = '\0';
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", made_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fixtures: could not remove %s\n", made_dir);
	made_dir[0] = '\0';
}

/* Repository root: where tests/fixtures/gen.sh is. Tests run from the root
 * (make check does); CTLSIGN_SRCDIR overrides. */
static const char *src_root(void)
{
	const char *s = getenv("CTLSIGN_SRCDIR");

	return s && *s ? s : ".";
}

static bool generate(char *dir, size_t n)
{
	char cmd[8192];
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, n, "%s/ctlsign-unit-fx.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return false;
	snprintf(cmd, sizeof(cmd), "'%s/tests/fixtures/gen.sh' '%s/fx' >/dev/null", src_root(), dir);
	if (system(cmd) != 0)
		return false;
	strncat(dir, "/fx", n - strlen(dir) - 1);
	return true;
}

/* Runs once, in the runner process, before any test is forked: children
 * inherit the variable. */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	char dir[4096];

	(void)set;
	if (getenv("CTLSIGN_FIXTURES") && *getenv("CTLSIGN_FIXTURES"))
		return;
	if (!generate(dir, sizeof(dir))) {
		fprintf(stderr, "fixtures: cannot run tests/fixtures/gen.sh (run from the repository root or set CTLSIGN_SRCDIR)\n");
		return;
	}
	snprintf(made_dir, sizeof(made_dir), "%s", dir);
	setenv("CTLSIGN_FIXTURES", dir, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	remove_made_dir();
}

const char *fx_dir(void)
{
	static char dir[4096];
	const char *e = getenv("CTLSIGN_FIXTURES");

	if (e && *e)
		return e;
	/* No runner hook (e.g. a single test run by hand): generate for this
	 * process only. */
	if (!dir[0]) {
		cr_assert(generate(dir, sizeof(dir)), "cannot generate fixtures with gen.sh");
		setenv("CTLSIGN_FIXTURES", dir, 1);
		snprintf(made_dir, sizeof(made_dir), "%s", dir);
		atexit(remove_made_dir);
	}
	return dir;
}

char *fx_path(const char *name)
{
	const char *d = fx_dir();
	char *p = malloc(strlen(d) + strlen(name) + 2);

	cr_assert(p);
	sprintf(p, "%s/%s", d, name);
	return p;
}

uint8_t *fx_read(const char *name, size_t *len)
{
	char *path = fx_path(name);
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	cr_assert(fp, "cannot open fixture %s", path);
	cr_assert(fseek(fp, 0, SEEK_END) == 0);
	n = ftell(fp);
	cr_assert(n >= 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	cr_assert(buf);
	cr_assert(fread(buf, 1, (size_t)n, fp) == (size_t)n, "short read on %s", path);
	fclose(fp);
	free(path);
	*len = (size_t)n;
	return buf;
}

X509 *fx_cert(const char *pem_name)
{
	char *path = fx_path(pem_name);
	FILE *fp = fopen(path, "r");
	X509 *x;

	cr_assert(fp, "cannot open %s", path);
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	cr_assert(x, "%s holds no certificate", path);
	free(path);
	return x;
}

uint8_t *fx_cert_der(const char *pem_name, size_t *len)
{
	X509 *x = fx_cert(pem_name);
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	uint8_t *out;

	cr_assert(n > 0);
	out = malloc((size_t)n);
	cr_assert(out);
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	X509_free(x);
	*len = (size_t)n;
	return out;
}

/* ---- Byte builder ------------------------------------------------------ */

void fx_put(fx_buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t nc = (b->n + n) * 2 + 64;
		uint8_t *q = realloc(b->p, nc);
		cr_assert(q);
		b->p = q;
		b->cap = nc;
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

void fx_u8(fx_buf *b, unsigned v)
{
	uint8_t c = (uint8_t)v;

	fx_put(b, &c, 1);
}

void fx_u16(fx_buf *b, unsigned v)
{
	fx_u8(b, v >> 8);
	fx_u8(b, v & 0xff);
}

void fx_set16(fx_buf *b, size_t at, unsigned v)
{
	cr_assert(at + 2 <= b->n);
	b->p[at] = (uint8_t)(v >> 8);
	b->p[at + 1] = (uint8_t)v;
}

void fx_tlv(fx_buf *b, unsigned tag, const void *v, size_t len)
{
	cr_assert(len <= 0xffff);
	fx_u8(b, tag);
	fx_u16(b, (unsigned)len);
	fx_put(b, v, len);
}

void fx_tlv_str(fx_buf *b, unsigned tag, const char *s)
{
	fx_tlv(b, tag, s, strlen(s) + 1);
}

void fx_tlv_u8(fx_buf *b, unsigned tag, unsigned v)
{
	uint8_t c = (uint8_t)v;

	fx_tlv(b, tag, &c, 1);
}

void fx_tlv_u16(fx_buf *b, unsigned tag, unsigned v)
{
	uint8_t c[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	fx_tlv(b, tag, c, 2);
}

void fx_tlv_u32(fx_buf *b, unsigned tag, uint32_t v)
{
	uint8_t c[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	fx_tlv(b, tag, c, 4);
}

size_t fx_open(fx_buf *b, unsigned tag)
{
	size_t at = b->n;

	fx_u8(b, tag);
	fx_u16(b, 0);
	return at;
}

void fx_close(fx_buf *b, size_t at)
{
	fx_set16(b, at + 1, (unsigned)(b->n - at - 3));
}

void fx_free(fx_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void fx_hdr_begin(fx_buf *b)
{
	static const uint8_t v12[2] = {1, 2};

	b->n = 0;
	fx_tlv(b, 1, v12, 2);
	fx_tlv_u16(b, 2, 0);
}

void fx_hdr_end(fx_buf *b)
{
	while (b->n % 4)
		fx_u8(b, 0x0d);
	fx_set16(b, 8, (unsigned)b->n);
}

void fx_hdr_body(fx_buf *b, bool python)
{
	static const uint8_t serial[8] = {0x24, 0x49, 0x1f, 0x10, 0x70, 0x3f, 0xea, 0x9b};
	static const uint8_t sv[2] = {1, 1};
	const char *name = "CN=ccm1.example.com;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US";
	uint8_t sig[128];
	size_t c, c2;

	memset(sig, 0x5a, sizeof(sig));
	if (python)
		fx_tlv(b, 28, sv, 2);
	c = fx_open(b, 3);
	fx_tlv_str(b, 4, name);
	if (python) {
		fx_tlv_str(b, 6, name);
		fx_tlv(b, 5, serial, sizeof(serial));
	} else {
		fx_tlv(b, 5, serial, sizeof(serial));
		fx_tlv_str(b, 6, name);
	}
	fx_close(b, c);
	c = fx_open(b, 7);
	fx_tlv_u8(b, 8, 1);
	c2 = fx_open(b, 9);
	fx_tlv_u8(b, 10, 0);
	fx_tlv_u8(b, 11, 1);
	fx_close(b, c2);
	fx_close(b, c);
	fx_tlv(b, 12, sig, sizeof(sig));
	fx_tlv_str(b, 14, "CTLFile.tlv");
	fx_tlv_u32(b, 15, 1430968247u);
}

void fx_header(fx_buf *b, bool python)
{
	fx_hdr_begin(b);
	fx_hdr_body(b, python);
	fx_hdr_end(b);
}

size_t fx_rec_begin(fx_buf *b)
{
	size_t at = b->n;

	fx_tlv_u16(b, 1, 0);
	return at;
}

void fx_rec_end(fx_buf *b, size_t at)
{
	fx_set16(b, at + 3, (unsigned)(b->n - at));
}

void fx_rec_blank(fx_buf *b, unsigned role)
{
	static const uint8_t ip[4] = {10, 35, 48, 106};
	size_t r = fx_rec_begin(b);

	fx_tlv_str(b, 2, "ccm1");
	fx_tlv_u16(b, 4, role);
	fx_tlv(b, 10, ip, 4);
	fx_rec_end(b, r);
}

/* ---- Independent walker -------------------------------------------------- */

unsigned fx_be16(const uint8_t *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

static size_t hdr_len(const uint8_t *p, size_t n)
{
	return n >= 10 && p[5] == 2 ? fx_be16(p + 8) : 0;
}

long fx_hdr_off(const uint8_t *p, size_t n, unsigned tag)
{
	size_t hl = hdr_len(p, n), off = 0;

	while (off < hl && off < n) {
		unsigned t = p[off];
		if (t == 0x0d)
			break;
		if (t == tag)
			return (long)off;
		if (off + 3 > n)
			break;
		if (t == 3 || t == 7 || t == 9)
			off += 3;
		else
			off += 3 + fx_be16(p + off + 1);
	}
	return -1;
}

long fx_rec_off(const uint8_t *p, size_t n, size_t idx)
{
	size_t off = hdr_len(p, n);

	for (size_t i = 0; off + 5 <= n; i++) {
		if (i == idx)
			return (long)off;
		off += fx_be16(p + off + 3);
	}
	return -1;
}

long fx_rec_tlv_off(const uint8_t *p, size_t n, size_t idx, unsigned tag)
{
	long r = fx_rec_off(p, n, idx);
	size_t off, end;

	if (r < 0)
		return -1;
	off = (size_t)r;
	end = off + fx_be16(p + off + 3);
	while (off + 3 <= end && end <= n) {
		if (p[off] == tag)
			return (long)off;
		off += 3 + fx_be16(p + off + 1);
	}
	return -1;
}

int fx_silent_socket(int type, unsigned *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, type, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (type == SOCK_STREAM)
		cr_assert_eq(listen(fd, 8), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

double fx_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

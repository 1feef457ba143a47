/* Token access against SoftHSM stores made by softhsm-conf/provision.sh and
 * the project's mock module (lockout, PIN pad, removal, sign failures). One
 * store is provisioned per run (inside the fixture folder) and copied for
 * each test, so tests running in parallel never share a token. */
#include <criterion/criterion.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#include "ctl.h"
#include "fixtures.h"
#include "identity.h"
#include "pin.h"
#include "token.h"

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"

struct tok {
	char label[64];
	char serial[64];
	int bits;
	char pin_file[4096];
	char cert_file[4096];
};

static char store[4096];
static char tmpl[4096];
static char mock[4096];
static struct tok toks[3];

static void sh(const char *fmt, const char *a, const char *b)
{
	char cmd[9000];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	cr_assert_eq(system(cmd), 0, "command failed: %s", cmd);
}

/* The template store, provisioned once per run under a lock. */
static void make_template(void)
{
	char lock[4200], tsv[4200];
	int fd;

	snprintf(tmpl, sizeof(tmpl), "%s/softhsm-template", fx_dir());
	snprintf(lock, sizeof(lock), "%s.lock", tmpl);
	snprintf(tsv, sizeof(tsv), "%s/tokens.tsv", tmpl);
	fd = open(lock, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	cr_assert(fd >= 0);
	cr_assert_eq(flock(fd, LOCK_EX), 0);
	if (access(tsv, R_OK) != 0) {
		sh("rm -rf '%s' && softhsm-conf/provision.sh '%s' >/dev/null", tmpl, tmpl);
	}
	flock(fd, LOCK_UN);
	close(fd);
}

static void read_tsv(void)
{
	char path[4200], line[9000];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/tokens.tsv", tmpl);
	cr_assert((f = fopen(path, "r")));
	cr_assert(fgets(line, sizeof(line), f)); /* header */
	while (n < 3 && fgets(line, sizeof(line), f)) {
		struct tok *t = &toks[n++];
		char *save = NULL, *p;

		line[strcspn(line, "\n")] = '\0';
		snprintf(t->label, sizeof(t->label), "%s", strtok_r(line, "\t", &save));
		snprintf(t->serial, sizeof(t->serial), "%s", strtok_r(NULL, "\t", &save));
		t->bits = atoi(strtok_r(NULL, "\t", &save));
		snprintf(t->pin_file, sizeof(t->pin_file), "%s", strtok_r(NULL, "\t", &save));
		p = strtok_r(NULL, "\t", &save);
		snprintf(t->cert_file, sizeof(t->cert_file), "%s", p);
	}
	fclose(f);
	cr_assert_eq(n, 3);
}

static void setup(void)
{
	const char *build = getenv("CTLSIGN_BUILD");
	char conf[4200], var[4200];
	FILE *f;

	for (char **e = (char *[]){"CTLSIGN_MOCK_FLAGS", "CTLSIGN_MOCK_ONLY", "CTLSIGN_MOCK_REMOVED",
				    "CTLSIGN_MOCK_REMOVE_AFTER_LOGIN", "CTLSIGN_MOCK_SIGN_FAIL",
				    "CTLSIGN_MOCK_NO_SHA_MECHS", "CTLSIGN_MOCK_PINPAD_PIN",
				    "CTLSIGN_MOCK_FIND_SORTED", "CTLSIGN_MOCK_MANY_MECHS",
				    "CTLSIGN_TEST_PIN", NULL};
	     *e; e++)
		unsetenv(*e);
	snprintf(mock, sizeof(mock), "%s/mock-pkcs11.so", build && *build ? build : "build");
	cr_assert(access(mock, R_OK) == 0, "no %s (build it: make all)", mock);
	make_template();
	read_tsv();
	snprintf(store, sizeof(store), "/tmp/ctlsign-token-test.XXXXXX");
	cr_assert(mkdtemp(store));
	sh("cp -a '%s/tokens' '%s/tokens'", tmpl, store);
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", store);
	cr_assert((f = fopen(conf, "w")));
	fprintf(f, "directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
		store);
	fclose(f);
	setenv("SOFTHSM2_CONF", conf, 1);
	snprintf(var, sizeof(var), "%s/login.log", store);
	setenv("CTLSIGN_MOCK_LOGIN_LOG", var, 1);
	snprintf(var, sizeof(var), "%s/sign.log", store);
	setenv("CTLSIGN_MOCK_SIGN_LOG", var, 1);
	snprintf(var, sizeof(var), "%s/attr.log", store);
	setenv("CTLSIGN_MOCK_ATTR_LOG", var, 1);
	snprintf(var, sizeof(var), "%s/session.log", store);
	setenv("CTLSIGN_MOCK_SESSION_LOG", var, 1);
}

static void teardown(void)
{
	if (store[0])
		sh("rm -rf '%s'%s", store, "");
}

TestSuite(token, .init = setup, .fini = teardown, .timeout = 60);

/* ---- helpers ---------------------------------------------------------- */

static int count_lines(const char *name, const char *needle)
{
	char path[4200], line[512];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", store, name);
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!needle || strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

static char *read_pin(int i)
{
	static char pin[300];
	FILE *f = fopen(toks[i].pin_file, "r");

	cr_assert(f);
	cr_assert(fgets(pin, sizeof(pin), f));
	fclose(f);
	pin[strcspn(pin, "\n")] = '\0';
	return pin;
}

static X509 *cert_of(int i)
{
	FILE *f = fopen(toks[i].cert_file, "r");
	X509 *x;

	cr_assert(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	cr_assert(x);
	return x;
}

static char file_source[4200];

static const char *pin_source(int i)
{
	snprintf(file_source, sizeof(file_source), "file:%s", toks[i].pin_file);
	return file_source;
}

/* A pin file of our own with the given content and mode. */
static const char *pin_file_with(const char *content, size_t len, mode_t mode)
{
	static char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/pin-custom", store);
	unlink(path);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, content, len), (ssize_t)len);
	close(fd);
	chmod(path, mode);
	return path;
}

struct warns {
	int n;
	char all[4096];
};

static void collect_warn(void *ctx, const char *msg)
{
	struct warns *w = ctx;
	size_t n = strlen(w->all);

	w->n++;
	snprintf(w->all + n, sizeof(w->all) - n, "%s\n", msg);
}

/* Scripted terminal: answers in order, records the prompts. */
struct script {
	struct warns w;
	const char *answers[8];
	int asked;
	int echoed;             /* questions asked with echo on */
	char prompts[4096];
};

static ctl_status scripted(void *ctx, const char *prompt, bool echo, char *buf, size_t n,
			   ctl_err *err)
{
	struct script *s = ctx;
	size_t used = strlen(s->prompts);

	s->echoed += echo;
	snprintf(s->prompts + used, sizeof(s->prompts) - used, "%s\n", prompt);
	if (s->asked >= 8 || !s->answers[s->asked])
		return ctl_err_set(err, CTL_E_INTERRUPTED, -1, -1, -1, "script ran out");
	snprintf(buf, n, "%s", s->answers[s->asked++]);
	return CTL_OK;
}

static ctl_status open_signer(const char *uri, const char *module, const char *source,
			      struct warns *w, ctl_signer **s, ctl_err *err)
{
	ctl_token_opts o = {0};

	o.uri = uri;
	o.module = module;
	o.pin.source = source;
	o.warn = w ? collect_warn : NULL;
	o.ctx = w;
	ctl_err_clear(err);
	return ctl_token_signer_open(&o, s, err);
}

/* Sign, then check with plain OpenSSL against the provisioned certificate. */
static void sign_and_verify(ctl_signer *s, int tok, const EVP_MD *md)
{
	static const uint8_t data[] = "CTL bytes to be signed";
	uint8_t sig[512];
	size_t siglen = 0;
	ctl_err err;
	X509 *x = cert_of(tok);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;

	ctl_err_clear(&err);
	cr_assert_eq(X509_cmp(x, s->cert), 0, "signer certificate is not token %d's", tok);
	cr_assert_eq(s->sign(s, md, data, sizeof(data), sig, &siglen, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(siglen, (size_t)toks[tok].bits / 8);
	cr_assert_eq(EVP_DigestVerifyInit(ctx, &pctx, md, NULL, X509_get0_pubkey(x)), 1);
	cr_assert_eq(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING), 1);
	cr_assert_eq(EVP_DigestVerify(ctx, sig, siglen, data, sizeof(data)), 1,
		     "signature does not verify");
	EVP_MD_CTX_free(ctx);
	X509_free(x);
}

/* Straight to SoftHSM, not through ctlsign: a read-write user session on the
 * token with this label of the test's store copy. */
struct hsm {
	void *dl;
	CK_FUNCTION_LIST *f;
	CK_SESSION_HANDLE h;
};

static void hsm_open(struct hsm *m, int tok)
{
	CK_C_GetFunctionList get = NULL;
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	const char *pin = read_pin(tok);

	cr_assert((m->dl = dlopen(SOFTHSM, RTLD_NOW | RTLD_LOCAL)));
	*(void **)&get = dlsym(m->dl, "C_GetFunctionList");
	cr_assert(get && get(&m->f) == CKR_OK);
	cr_assert_eq(m->f->C_Initialize(NULL), CKR_OK);
	cr_assert_eq(m->f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		char label[33];
		size_t l = sizeof(ti.label);

		cr_assert_eq(m->f->C_GetTokenInfo(slots[i], &ti), CKR_OK);
		memcpy(label, ti.label, l);
		while (l && label[l - 1] == ' ')
			l--;
		label[l] = '\0';
		if (strcmp(label, toks[tok].label))
			continue;
		cr_assert_eq(m->f->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
						 NULL, &m->h),
			     CKR_OK);
		cr_assert_eq(m->f->C_Login(m->h, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin)), CKR_OK);
		return;
	}
	cr_assert_fail("token %s not found", toks[tok].label);
}

static void hsm_close(struct hsm *m)
{
	m->f->C_Logout(m->h);
	m->f->C_CloseSession(m->h);
	m->f->C_Finalize(NULL);
	dlclose(m->dl);
}

/* n EC key pairs with ids 00 01, 00 02...: only the private keys are kept on
 * the token, visible without a login (CKA_PRIVATE false) or not. */
static void hsm_decoy_keys(struct hsm *m, int first, int n, bool visible)
{
	static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE, priv = visible ? CK_FALSE : CK_TRUE;

	for (int i = first; i < first + n; i++) {
		CK_BYTE id[2] = {0x00, (CK_BYTE)i};
		CK_ATTRIBUTE pub[] = {{CKA_TOKEN, &no, 1}, {CKA_EC_PARAMS, (void *)p256, sizeof(p256)},
				      {CKA_ID, id, 2}, {CKA_VERIFY, &yes, 1}};
		CK_ATTRIBUTE prv[] = {{CKA_TOKEN, &yes, 1}, {CKA_PRIVATE, &priv, 1}, {CKA_ID, id, 2},
				      {CKA_SIGN, &yes, 1}, {CKA_LABEL, "decoy", 5}};
		CK_OBJECT_HANDLE hp, hk;

		cr_assert_eq(m->f->C_GenerateKeyPair(m->h, &mech, pub, 4, prv, 5, &hp, &hk), CKR_OK);
	}
}

/* Remove the objects of this class with id 01 (the provisioned key pair). */
static void hsm_destroy(struct hsm *m, CK_OBJECT_CLASS cls)
{
	CK_BYTE id = 1;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, &id, 1}};
	CK_OBJECT_HANDLE o[4];
	CK_ULONG n = 0;

	cr_assert_eq(m->f->C_FindObjectsInit(m->h, t, 2), CKR_OK);
	cr_assert_eq(m->f->C_FindObjects(m->h, o, 4, &n), CKR_OK);
	m->f->C_FindObjectsFinal(m->h);
	cr_assert_eq(n, 1);
	cr_assert_eq(m->f->C_DestroyObject(m->h, o[0]), CKR_OK);
}

/* ---- URIs and codes --------------------------------------------------- */

Test(token, uri_refuses_unknown_and_pin_value)
{
	ctl_token_uri *u = NULL;
	ctl_err err;

	ctl_err_clear(&err);
	cr_assert_eq(ctl_token_uri_parse("pkcs11:token=eToken;slot-id=3", &u, &err), CTL_E_USAGE);
	cr_assert(strstr(err.msg, "`slot-id'"), "%s", err.msg);
	cr_assert_null(u);
	cr_assert_eq(ctl_token_uri_parse("pkcs11:token=a;x-vendor=1", &u, &err), CTL_E_USAGE);
	cr_assert(strstr(err.msg, "x-vendor"), "%s", err.msg);
	cr_assert_eq(ctl_token_uri_parse("pkcs11:token=a?pin-value=1234", &u, &err), CTL_E_USAGE);
	cr_assert(strstr(err.msg, "pin-value"), "%s", err.msg);
	cr_assert_eq(ctl_token_uri_parse("token=a", &u, &err), CTL_E_USAGE);
	cr_assert_eq(ctl_token_uri_parse("pkcs11:token=a;type=bogus", &u, &err), CTL_E_USAGE);
	cr_assert_eq(ctl_token_uri_parse("pkcs11:token=eToken%202;serial=00ab;id=%01;object=SAST;"
					 "type=private?module-path=/x/y.so&pin-source=file:/p?q",
					 &u, &err),
		     CTL_OK, "%s", err.msg);
	cr_assert_str_eq(ctl_token_uri_module_path(u), "/x/y.so");
	cr_assert_str_eq(ctl_token_uri_pin_source(u), "file:/p?q");
	cr_assert(ctl_token_uri_match_object(u, (const uint8_t *)"\x01", 1, "SAST", "private"));
	cr_assert_not(ctl_token_uri_match_object(u, (const uint8_t *)"\x01", 1, "SAST", "cert"));
	cr_assert_not(ctl_token_uri_match_object(u, (const uint8_t *)"\x02", 1, "SAST", "private"));
	ctl_token_uri_free(u);
}

Test(token, uri_format_round_trip)
{
	ctl_token_info t = {.label = "eToken 2", .manufacturer = "SafeNet, Inc.",
			    .model = "eToken", .serial = "0054f509"};
	ctl_token_info other = {.label = "eToken", .manufacturer = "SafeNet, Inc.",
				.model = "eToken", .serial = "0054f50a"};
	char *s = ctl_token_uri_format(&t, (const uint8_t *)"\x01", 1, "SAST", "private", NULL);
	ctl_token_uri *u = NULL;
	ctl_err err;

	cr_assert(s);
	cr_assert(strstr(s, "token=eToken%202"), "%s", s);
	cr_assert(strstr(s, "id=%01"), "%s", s);
	cr_assert(strstr(s, "type=private"), "%s", s);
	cr_assert_eq(ctl_token_uri_parse(s, &u, &err), CTL_OK, "%s", err.msg);
	cr_assert(ctl_token_uri_match_token(u, &t));
	cr_assert_not(ctl_token_uri_match_token(u, &other));
	ctl_token_uri_free(u);
	free(s);
}

Test(token, ckr_names_and_statuses)
{
	char buf[256];

	ctl_ckr_describe(0xa0, buf, sizeof(buf));
	cr_assert(!strncmp(buf, "CKR_PIN_INCORRECT (0xa0): ", 26), "%s", buf);
	cr_assert(strlen(buf) > 30, "no text: %s", buf);
	ctl_ckr_describe(0x80000001ul, buf, sizeof(buf));
	cr_assert(strstr(buf, "CKR_VENDOR_DEFINED (0x80000001)"), "%s", buf);
	cr_assert_eq(ctl_ckr_status(0x32), CTL_E_NOTOKEN);  /* DEVICE_REMOVED */
	cr_assert_eq(ctl_ckr_status(0xe0), CTL_E_NOTOKEN);  /* TOKEN_NOT_PRESENT */
	cr_assert_eq(ctl_ckr_status(0xb3), CTL_E_NOTOKEN);  /* SESSION_HANDLE_INVALID */
	cr_assert_eq(ctl_ckr_status(0xa4), CTL_E_TOKEN);    /* PIN_LOCKED */
}

/* ---- Listing ---------------------------------------------------------- */

Test(token, enumerate_softhsm)
{
	const char *mods[] = {SOFTHSM};
	ctl_token_list *l = NULL;
	ctl_err err;
	int seen = 0;

	ctl_err_clear(&err);
	cr_assert_eq(ctl_token_enumerate(mods, 1, &l, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(l->nmodules, 1);
	cr_assert_eq(l->modules[0].status, CTL_OK, "%s", l->modules[0].error);
	cr_assert_eq(l->modules[0].nslots, 4); /* three tokens + SoftHSM's free slot */
	for (size_t i = 0; i < l->modules[0].nslots; i++) {
		const ctl_token_info *t = l->modules[0].slots[i].token;

		cr_assert(t);
		if (!t->initialized)
			continue;
		for (int k = 0; k < 3; k++) {
			ctl_certinfo ci;

			if (strcmp(t->label, toks[k].label))
				continue;
			seen |= 1 << k;
			cr_assert_str_eq(t->serial, toks[k].serial);
			cr_assert(t->state.login_required && t->state.pin_initialized);
			cr_assert_not(t->state.final_try || t->state.locked || t->state.pin_pad);
			cr_assert_eq(t->ncerts, 1);
			cr_assert_eq(t->certs[0].id_len, 1);
			cr_assert_eq(t->certs[0].id[0], 1);
			cr_assert_str_eq(t->certs[0].label, "SAST");
			cr_assert(strstr(t->uri, "serial="), "%s", t->uri);
			cr_assert(strstr(t->uri, "module-path="), "explicit module: %s", t->uri);
			cr_assert(strstr(t->certs[0].uri, "id=%01"), "%s", t->certs[0].uri);
			cr_assert_eq(ctl_certinfo_get(t->certs[0].cert, &ci, &err), CTL_OK);
			cr_assert_eq(ci.key_bits, toks[k].bits);
			cr_assert(!strncmp(ci.subject, "CN=SAST-ADN", 11), "%s", ci.subject);
			ctl_certinfo_free(&ci);
		}
	}
	cr_assert_eq(seen, 7, "not every provisioned token was listed");
	ctl_token_list_free(l);
}

Test(token, enumerate_keeps_going_past_a_broken_module)
{
	const char *mods[] = {"/nonexistent/libbroken-pkcs11.so", mock};
	ctl_token_list *l = NULL;
	ctl_err err;

	ctl_err_clear(&err);
	cr_assert_eq(ctl_token_enumerate(mods, 2, &l, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(l->nmodules, 2);
	cr_assert_neq(l->modules[0].status, CTL_OK);
	cr_assert(strstr(l->modules[0].error, "/nonexistent/libbroken-pkcs11.so"), "%s",
		  l->modules[0].error);
	cr_assert_eq(l->modules[1].status, CTL_OK, "%s", l->modules[1].error);
	cr_assert_eq(l->modules[1].nslots, 4);
	ctl_token_list_free(l);
}

Test(token, enumerate_reports_pin_states)
{
	const char *mods[] = {mock};
	ctl_token_list *l = NULL;
	ctl_err err;

	setenv("CTLSIGN_MOCK_FLAGS", "count_low|final_try|pin_pad|to_be_changed", 1);
	setenv("CTLSIGN_MOCK_ONLY", "eToken 2", 1);
	cr_assert_eq(ctl_token_enumerate(mods, 1, &l, &err), CTL_OK, "%s", err.msg);
	for (size_t i = 0; i < l->modules[0].nslots; i++) {
		const ctl_token_info *t = l->modules[0].slots[i].token;
		bool on = t && !strcmp(t->label, "eToken 2");

		if (!t || !t->initialized)
			continue;
		cr_assert_eq(t->state.count_low, on);
		cr_assert_eq(t->state.final_try, on);
		cr_assert_eq(t->state.pin_pad, on);
		cr_assert_eq(t->state.to_be_changed, on);
		cr_assert_not(t->state.locked);
	}
	ctl_token_list_free(l);
}

/* ---- Selection and signing -------------------------------------------- */

Test(token, sign_by_label_with_pin_file)
{
	ctl_signer *s = NULL;
	ctl_err err;

	cr_assert_eq(open_signer("pkcs11:token=eToken", SOFTHSM, pin_source(0), NULL, &s, &err),
		     CTL_OK, "%s", err.msg);
	cr_assert(strstr(s->desc, "token=eToken;"), "%s", s->desc);
	sign_and_verify(s, 0, EVP_sha256());
	sign_and_verify(s, 0, EVP_sha1());
	sign_and_verify(s, 0, EVP_sha512());
	ctl_signer_free(s);
}

Test(token, select_by_serial_id_object)
{
	ctl_signer *s = NULL;
	ctl_err err;
	char uri[512];

	snprintf(uri, sizeof(uri), "pkcs11:serial=%s", toks[2].serial);
	cr_assert_eq(open_signer(uri, SOFTHSM, pin_source(2), NULL, &s, &err), CTL_OK, "%s",
		     err.msg);
	sign_and_verify(s, 2, EVP_sha256()); /* the RSA-2048 token */
	ctl_signer_free(s);

	snprintf(uri, sizeof(uri), "pkcs11:serial=%s;id=%%01;type=private", toks[1].serial);
	cr_assert_eq(open_signer(uri, SOFTHSM, pin_source(1), NULL, &s, &err), CTL_OK, "%s",
		     err.msg);
	sign_and_verify(s, 1, EVP_sha256());
	ctl_signer_free(s);

	cr_assert_eq(open_signer("pkcs11:token=eToken%202;object=SAST;type=cert", SOFTHSM,
				 pin_source(1), NULL, &s, &err),
		     CTL_OK, "%s", err.msg);
	sign_and_verify(s, 1, EVP_sha1());
	ctl_signer_free(s);

	/* module-path in the URI instead of --module */
	snprintf(uri, sizeof(uri), "pkcs11:token=eToken%%203?module-path=%s", SOFTHSM);
	cr_assert_eq(open_signer(uri, NULL, pin_source(2), NULL, &s, &err), CTL_OK, "%s", err.msg);
	sign_and_verify(s, 2, EVP_sha512());
	ctl_signer_free(s);
}

Test(token, wrong_object_fails_before_login)
{
	ctl_signer *s = NULL;
	ctl_err err;

	cr_assert_eq(open_signer("pkcs11:token=eToken;id=%02", mock, pin_source(0), NULL, &s, &err),
		     CTL_E_USAGE);
	cr_assert_null(s);
	cr_assert_eq(count_lines("login.log", NULL), 0);
}

/* The key search reads every object, not one batch: 80 other private keys
 * (half of them visible before a login), listed before the real one (the
 * mock sorts search results by id). */
Test(token, key_found_among_more_than_64_private_keys)
{
	struct hsm m;
	ctl_signer *s = NULL;
	ctl_err err;

	hsm_open(&m, 0);
	hsm_decoy_keys(&m, 2, 40, true);
	hsm_decoy_keys(&m, 42, 40, false);
	hsm_close(&m);
	setenv("CTLSIGN_MOCK_FIND_SORTED", "1", 1);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, pin_source(0), NULL, &s, &err), CTL_OK,
		     "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 1);
	sign_and_verify(s, 0, EVP_sha256());
	ctl_signer_free(s);
}

/* A token that shows its private keys before a login, and has neither a
 * private nor a public key with the certificate's id: the key is missing,
 * and that is known before a PIN is spent. */
Test(token, missing_key_found_out_before_login)
{
	struct hsm m;
	ctl_signer *s = NULL;
	ctl_err err;

	hsm_open(&m, 0);
	hsm_destroy(&m, CKO_PRIVATE_KEY);
	hsm_destroy(&m, CKO_PUBLIC_KEY);
	hsm_decoy_keys(&m, 2, 1, true);
	hsm_close(&m);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, pin_source(0), NULL, &s, &err),
		     CTL_E_USAGE);
	cr_assert(strstr(err.msg, "no private key"), "%s", err.msg);
	cr_assert(strstr(err.msg, "before any login") || strstr(err.msg, "No PIN was asked"),
		  "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 0, "a PIN was spent on a missing key");
}

/* Other private keys are visible before the login, the signing key is not
 * (CKA_PRIVATE), but its public key is there: not ruled out, found after the
 * login. */
Test(token, visible_other_keys_do_not_rule_out_a_hidden_one)
{
	struct hsm m;
	ctl_signer *s = NULL;
	ctl_err err;

	hsm_open(&m, 0);
	hsm_decoy_keys(&m, 2, 1, true);
	hsm_close(&m);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, pin_source(0), NULL, &s, &err), CTL_OK,
		     "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 1);
	sign_and_verify(s, 0, EVP_sha256());
	ctl_signer_free(s);
}

Test(token, ambiguous_selection_lists_candidates_without_login)
{
	ctl_signer *s = NULL;
	ctl_err err;

	cr_assert_eq(open_signer("pkcs11:object=SAST", mock, pin_source(0), NULL, &s, &err),
		     CTL_E_USAGE);
	cr_assert_null(s);
	for (int i = 0; i < 3; i++)
		cr_assert(strstr(err.msg, toks[i].serial), "candidate %s missing: %s", toks[i].serial,
			  err.msg);
	cr_assert(strstr(err.msg, "\n  pkcs11:"), "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 0, "a PIN was sent during selection");
}

Test(token, no_matching_token_is_notoken)
{
	ctl_signer *s = NULL;
	ctl_err err;

	cr_assert_eq(open_signer("pkcs11:token=eToken%209", SOFTHSM, pin_source(0), NULL, &s, &err),
		     CTL_E_NOTOKEN);
	cr_assert(strstr(err.msg, "no token matching"), "%s", err.msg);
}

Test(token, unknown_uri_attribute_is_usage_error)
{
	ctl_signer *s = NULL;
	ctl_err err;

	cr_assert_eq(open_signer("pkcs11:token=eToken;colour=red", SOFTHSM, pin_source(0), NULL,
				 &s, &err),
		     CTL_E_USAGE);
	cr_assert(strstr(err.msg, "colour"), "%s", err.msg);
}

Test(token, pin_goes_only_to_the_selected_token)
{
	ctl_signer *s = NULL;
	ctl_err err;

	cr_assert_eq(open_signer("pkcs11:token=eToken%202", mock, pin_source(1), NULL, &s, &err),
		     CTL_OK, "%s", err.msg);
	sign_and_verify(s, 1, EVP_sha256());
	ctl_signer_free(s);
	cr_assert_eq(count_lines("login.log", NULL), 1);
	cr_assert_eq(count_lines("login.log", "C_Login token=eToken 2 pin=1 rv=0x0"), 1);
	/* Each C_GetAttributeValue can be a round trip to a USB token: two per
	 * object (sizes, then values), where libp11 made seven per certificate.
	 * The token has one certificate, and one private key hidden until the
	 * login. */
	cr_assert_eq(count_lines("attr.log", "C_GetAttributeValue attrs=3"), 2,
		     "the certificate: CKA_ID, CKA_LABEL and CKA_VALUE in two calls");
	cr_assert_eq(count_lines("attr.log", "C_GetAttributeValue attrs=2"), 2,
		     "the key, after the login: CKA_ID and CKA_LABEL in two calls");
	cr_assert_eq(count_lines("attr.log", NULL), 4);
	/* One session, the one its certificates were read in, for the login
	 * and the signature too; none on the tokens the URI rules out; closed
	 * with the signer. */
	cr_assert_eq(count_lines("session.log", "C_OpenSession"), 1);
	cr_assert_eq(count_lines("session.log", "C_OpenSession slot=0x"), 1);
	cr_assert_eq(count_lines("session.log", "C_CloseSession"), 1);
	cr_assert_eq(count_lines("session.log", "rv=0x0"), 2);
}

/* A signer that cannot be opened closes the session its token's
 * certificates were read in: every session opened is closed. */
Test(token, sessions_are_closed_on_every_path)
{
	ctl_signer *s = NULL;
	ctl_err err;

	/* the token is found, its certificates read, then the URI's id matches none */
	cr_assert_eq(open_signer("pkcs11:token=eToken%202;id=%ff", mock, pin_source(1), NULL, &s,
				 &err),
		     CTL_E_USAGE, "%s", err.msg);
	cr_assert_eq(count_lines("session.log", "C_OpenSession"), 1);
	cr_assert_eq(count_lines("session.log", "C_CloseSession"), 1);
	/* two tokens match: refused before any login, both sessions closed */
	cr_assert_eq(open_signer("pkcs11:model=SoftHSM%20v2", mock, pin_source(1), NULL, &s, &err),
		     CTL_E_USAGE, "%s", err.msg);
	cr_assert(strstr(err.msg, "matches 3 tokens"), "%s", err.msg);
	cr_assert_eq(count_lines("session.log", "C_OpenSession"), 4);
	cr_assert_eq(count_lines("session.log", "C_CloseSession"), 4);
	cr_assert_eq(count_lines("login.log", NULL), 0);
}

struct known {
	X509 *cert;
	int asked, given;
};

static X509 *known_cert(void *ctx, const uint8_t *der, size_t len)
{
	struct known *k = ctx;

	k->asked++;
	if (!ctl_cert_der_is(k->cert, der, len) || !X509_up_ref(k->cert))
		return NULL;
	k->given++;
	return k->cert;
}

/* A certificate the caller holds is taken, not decoded again; one it does
 * not hold is decoded as before. */
Test(token, known_certificate_is_not_decoded_again)
{
	ctl_token_opts o = {0};
	ctl_signer *s = NULL;
	ctl_err err;
	X509 *mine = cert_of(1), *other = cert_of(0);
	struct known k = {.cert = mine};

	o.uri = "pkcs11:token=eToken%202";
	o.module = SOFTHSM;
	o.pin.source = pin_source(1);
	o.known_cert = known_cert;
	o.ctx = &k;
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(k.asked, 1);
	cr_assert_eq(k.given, 1);
	cr_assert_eq(s->cert, k.cert, "the signer's certificate is the caller's own");
	sign_and_verify(s, 1, EVP_sha1());
	ctl_signer_free(s);

	k.cert = other;   /* another token's: decoded from the token */
	k.asked = k.given = 0;
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(k.asked, 1);
	cr_assert_eq(k.given, 0);
	cr_assert_neq(s->cert, mine);
	cr_assert(ctl_cert_eq(s->cert, mine));
	cr_assert_not(ctl_cert_eq(s->cert, other));
	sign_and_verify(s, 1, EVP_sha1());
	ctl_signer_free(s);
	X509_free(mine);
	X509_free(other);
}

Test(token, pin_from_env)
{
	ctl_token_opts o = {0};
	ctl_signer *s = NULL;
	ctl_err err;

	setenv("CTLSIGN_TEST_PIN", read_pin(0), 1);
	o.uri = "pkcs11:token=eToken";
	o.module = mock;
	o.pin.env = "CTLSIGN_TEST_PIN";
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_OK, "%s", err.msg);
	sign_and_verify(s, 0, EVP_sha256());
	ctl_signer_free(s);
	cr_assert_eq(count_lines("login.log", "rv=0x0"), 1);

	/* both a file and an environment variable: refused, nothing sent */
	o.pin.source = pin_source(0);
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_E_USAGE);
	cr_assert_eq(count_lines("login.log", NULL), 1);
}

Test(token, wrong_pin_from_file_or_env_is_not_retried)
{
	ctl_token_opts o = {0};
	ctl_signer *s = NULL;
	ctl_err err;
	char src[4300];

	snprintf(src, sizeof(src), "file:%s", pin_file_with("00000000\n", 9, 0600));
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, src, NULL, &s, &err), CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "CKR_PIN_INCORRECT (0xa0): "), "%s", err.msg);
	cr_assert(strstr(err.msg, "never retried"), "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 1);

	setenv("CTLSIGN_TEST_PIN", "11111111", 1);
	o.uri = "pkcs11:token=eToken";
	o.module = mock;
	o.pin.env = "CTLSIGN_TEST_PIN";
	o.pin.interactive = true; /* a terminal must not turn an env PIN into retries */
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_E_TOKEN);
	cr_assert_eq(count_lines("login.log", NULL), 2);
}

Test(token, interactive_retry_is_capped_at_three)
{
	struct script sc = {.answers = {"bad1", "bad2", "bad3", "bad4"}};
	ctl_token_opts o = {.uri = "pkcs11:token=eToken", .module = mock,
			    .pin = {.interactive = true}, .prompt = scripted, .ctx = &sc};
	ctl_signer *s = NULL;
	ctl_err err;

	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "CKR_PIN_INCORRECT"), "%s", err.msg);
	cr_assert_eq(sc.asked, 3);
	cr_assert_eq(count_lines("login.log", NULL), 3);
}

Test(token, interactive_second_try_succeeds)
{
	struct script sc = {.answers = {"wrong", NULL}};
	ctl_token_opts o = {.uri = "pkcs11:token=eToken", .module = mock,
			    .pin = {.interactive = true}, .prompt = scripted, .ctx = &sc};
	ctl_signer *s = NULL;
	ctl_err err;

	sc.answers[1] = read_pin(0);
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(sc.asked, 2);
	cr_assert(strstr(sc.prompts, "PIN for token `eToken'"), "%s", sc.prompts);
	cr_assert_eq(count_lines("login.log", NULL), 2);
	sign_and_verify(s, 0, EVP_sha256());
	ctl_signer_free(s);
}

Test(token, no_pin_source_and_no_terminal_is_an_error)
{
	ctl_signer *s = NULL;
	ctl_err err;

	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, NULL, NULL, &s, &err), CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "--pin-source"), "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 0);
}

/* ---- Lockout safety (mock) -------------------------------------------- */

Test(token, final_try_refuses_file_pin_without_login)
{
	ctl_signer *s = NULL;
	ctl_err err;

	setenv("CTLSIGN_MOCK_FLAGS", "final_try", 1);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, pin_source(0), NULL, &s, &err),
		     CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "Only one PIN attempt left on token `eToken'"), "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 0, "C_Login was called");
}

Test(token, final_try_interactive_needs_yes)
{
	struct script sc = {.answers = {"y", NULL}};
	ctl_token_opts o = {.uri = "pkcs11:token=eToken", .module = mock,
			    .pin = {.interactive = true}, .prompt = scripted, .ctx = &sc};
	ctl_signer *s = NULL;
	ctl_err err;

	setenv("CTLSIGN_MOCK_FLAGS", "final_try", 1);
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_E_TOKEN);
	cr_assert_eq(sc.asked, 1, "PIN asked without confirmation");
	cr_assert_eq(count_lines("login.log", NULL), 0);

	sc = (struct script){.answers = {"yes", read_pin(0)}};
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(sc.asked, 2);
	cr_assert(strstr(sc.prompts, "Only one PIN attempt left"), "%s", sc.prompts);
	cr_assert_eq(count_lines("login.log", NULL), 1);
	ctl_signer_free(s);
}

Test(token, final_try_wrong_pin_then_locked_stops_retries)
{
	struct script sc = {.answers = {"yes", "wrong", "yes", "wrong"}};
	ctl_token_opts o = {.uri = "pkcs11:token=eToken", .module = mock,
			    .pin = {.interactive = true}, .prompt = scripted, .ctx = &sc};
	ctl_signer *s = NULL;
	ctl_err err;

	setenv("CTLSIGN_MOCK_FLAGS", "final_try", 1);
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_E_TOKEN);
	/* the flags are re-read before the second try: now locked, no login */
	cr_assert_eq(count_lines("login.log", NULL), 1);
	cr_assert(strstr(err.msg, "locked"), "%s", err.msg);
	/* ...but this run did try once, and that try locked it */
	cr_assert_null(strstr(err.msg, "no login was tried"), "%s", err.msg);
	cr_assert(strstr(err.msg, "CKR_PIN_INCORRECT"), "%s", err.msg);
	cr_assert(strstr(err.msg, "now locked"), "%s", err.msg);
}

Test(token, final_try_confirmation_is_not_echoed)
{
	struct script sc = {.answers = {"yes", NULL}};
	ctl_token_opts o = {.uri = "pkcs11:token=eToken", .module = mock,
			    .pin = {.interactive = true}, .prompt = scripted, .ctx = &sc};
	ctl_signer *s = NULL;
	ctl_err err;

	sc.answers[1] = read_pin(0);
	setenv("CTLSIGN_MOCK_FLAGS", "final_try", 1);
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(sc.asked, 2);
	cr_assert_eq(sc.echoed, 0, "a question was asked with echo on:\n%s", sc.prompts);
	ctl_signer_free(s);
}

/* A PIN pad takes the same final-try rule as a typed PIN: the PIN is typed on
 * the reader, but a wrong one locks the token all the same. */
Test(token, pin_pad_final_try_refuses_file_and_env_without_login)
{
	ctl_token_opts o = {.uri = "pkcs11:token=eToken", .module = mock};
	ctl_signer *s = NULL;
	ctl_err err;

	setenv("CTLSIGN_MOCK_FLAGS", "pin_pad|final_try", 1);
	setenv("CTLSIGN_MOCK_PINPAD_PIN", read_pin(0), 1);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, pin_source(0), NULL, &s, &err),
		     CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "Only one PIN attempt left on token `eToken'"), "%s", err.msg);
	cr_assert(strstr(err.msg, "reader"), "the message does not say where the PIN goes: %s",
		  err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 0, "C_Login was called");

	setenv("CTLSIGN_TEST_PIN", read_pin(0), 1);
	o.pin.env = "CTLSIGN_TEST_PIN";
	o.pin.interactive = true; /* a terminal does not make an env PIN interactive */
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "Only one PIN attempt left"), "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 0, "C_Login was called");

	/* no PIN source and no terminal: nobody could confirm */
	o.pin.env = NULL;
	o.pin.interactive = false;
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "Only one PIN attempt left"), "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 0, "C_Login was called");
}

static ctl_status no_tty(void *ctx, const char *prompt, bool echo, char *buf, size_t n,
			 ctl_err *err)
{
	(void)ctx;
	(void)prompt;
	(void)echo;
	(void)buf;
	(void)n;
	return ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1, "no terminal to ask on (/dev/tty: test)");
}

/* Allowed to ask, but there is no terminal after all (a cron job without a
 * PIN source): nobody can confirm the last try. */
Test(token, final_try_without_a_terminal_is_refused_without_login)
{
	ctl_token_opts o = {.uri = "pkcs11:token=eToken", .module = mock,
			    .pin = {.interactive = true}, .prompt = no_tty};
	ctl_signer *s = NULL;
	ctl_err err;

	setenv("CTLSIGN_MOCK_FLAGS", "pin_pad|final_try", 1);
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "Only one PIN attempt left"), "%s", err.msg);
	cr_assert(strstr(err.msg, "no way to confirm"), "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 0, "C_Login was called");
	setenv("CTLSIGN_MOCK_FLAGS", "final_try", 1);
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "no way to confirm"), "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 0, "C_Login was called");
}

Test(token, pin_pad_final_try_on_terminal_needs_yes)
{
	struct script sc = {.answers = {"no", NULL}};
	ctl_token_opts o = {.uri = "pkcs11:token=eToken", .module = mock,
			    .pin = {.interactive = true}, .prompt = scripted, .ctx = &sc,
			    .warn = collect_warn};
	ctl_signer *s = NULL;
	ctl_err err;

	setenv("CTLSIGN_MOCK_FLAGS", "pin_pad|final_try", 1);
	setenv("CTLSIGN_MOCK_PINPAD_PIN", read_pin(0), 1);
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_E_TOKEN);
	cr_assert_eq(sc.asked, 1);
	cr_assert(strstr(sc.prompts, "Only one PIN attempt left"), "%s", sc.prompts);
	cr_assert(strstr(sc.prompts, "reader"), "%s", sc.prompts);
	cr_assert_eq(count_lines("login.log", NULL), 0, "C_Login without a yes");

	sc = (struct script){.answers = {"yes", NULL}};
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(sc.asked, 1, "a PIN was asked for on the terminal: %s", sc.prompts);
	cr_assert_eq(sc.echoed, 0);
	cr_assert(strstr(sc.w.all, "on the reader"), "%s", sc.w.all);
	cr_assert_eq(count_lines("login.log", "pin=0 rv=0x0"), 1);
	cr_assert_eq(count_lines("login.log", NULL), 1);
	sign_and_verify(s, 0, EVP_sha256());
	ctl_signer_free(s);
}

Test(token, locked_refuses_without_login)
{
	struct script sc = {.answers = {"yes", "whatever"}};
	ctl_token_opts o = {.uri = "pkcs11:token=eToken", .module = mock,
			    .pin = {.interactive = true}, .prompt = scripted, .ctx = &sc};
	ctl_signer *s = NULL;
	ctl_err err;

	setenv("CTLSIGN_MOCK_FLAGS", "locked", 1);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, pin_source(0), NULL, &s, &err),
		     CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "locked"), "%s", err.msg);
	cr_assert(strstr(err.msg, "SO"), "no guidance: %s", err.msg);
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_E_TOKEN);
	cr_assert_eq(sc.asked, 0);
	cr_assert_eq(count_lines("login.log", NULL), 0);
}

Test(token, count_low_warns)
{
	struct warns w = {0};
	ctl_signer *s = NULL;
	ctl_err err;

	setenv("CTLSIGN_MOCK_FLAGS", "count_low", 1);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, pin_source(0), &w, &s, &err), CTL_OK,
		     "%s", err.msg);
	cr_assert_eq(w.n, 1);
	cr_assert(strstr(w.all, "count low"), "%s", w.all);
	ctl_signer_free(s);
}

Test(token, pin_pad_logs_in_without_pin)
{
	struct warns w = {0};
	ctl_signer *s = NULL;
	ctl_err err;

	setenv("CTLSIGN_MOCK_FLAGS", "pin_pad", 1);
	setenv("CTLSIGN_MOCK_PINPAD_PIN", read_pin(0), 1);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, NULL, &w, &s, &err), CTL_OK, "%s",
		     err.msg);
	cr_assert(strstr(w.all, "on the reader"), "%s", w.all);
	cr_assert_eq(count_lines("login.log", "pin=0 rv=0x0"), 1);
	cr_assert_eq(count_lines("login.log", NULL), 1);
	sign_and_verify(s, 0, EVP_sha256());
	ctl_signer_free(s);
}

/* ---- Removal and signing failures ------------------------------------- */

Test(token, removed_token_is_notoken)
{
	ctl_signer *s = NULL;
	ctl_err err;

	setenv("CTLSIGN_MOCK_REMOVED", "1", 1);
	setenv("CTLSIGN_MOCK_ONLY", "eToken", 1);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, pin_source(0), NULL, &s, &err),
		     CTL_E_NOTOKEN, "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 0);
}

Test(token, removed_after_login_is_notoken)
{
	uint8_t sig[512];
	size_t siglen;
	ctl_signer *s = NULL;
	ctl_err err;

	setenv("CTLSIGN_MOCK_REMOVE_AFTER_LOGIN", "1", 1);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, pin_source(0), NULL, &s, &err), CTL_OK,
		     "%s", err.msg);
	cr_assert_eq(s->sign(s, EVP_sha256(), (const uint8_t *)"x", 1, sig, &siglen, &err),
		     CTL_E_NOTOKEN);
	cr_assert(strstr(err.msg, "CKR_DEVICE_REMOVED (0x32)"), "%s", err.msg);
	ctl_signer_free(s);
}

Test(token, sign_failure_and_bad_signature_are_errors)
{
	uint8_t sig[512];
	size_t siglen;
	ctl_signer *s = NULL;
	ctl_err err;

	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, pin_source(0), NULL, &s, &err), CTL_OK,
		     "%s", err.msg);
	setenv("CTLSIGN_MOCK_SIGN_FAIL", "1", 1);
	cr_assert_eq(s->sign(s, EVP_sha256(), (const uint8_t *)"x", 1, sig, &siglen, &err),
		     CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "CKR_FUNCTION_FAILED"), "%s", err.msg);
	setenv("CTLSIGN_MOCK_SIGN_FAIL", "corrupt", 1);
	cr_assert_neq(s->sign(s, EVP_sha256(), (const uint8_t *)"x", 1, sig, &siglen, &err), CTL_OK,
		      "a damaged signature was handed back");
	/* the key and certificate do belong together: the token is at fault */
	cr_assert(strstr(err.msg, "token `eToken' returned a bad signature"), "%s", err.msg);
	cr_assert_null(strstr(err.msg, "do not belong together"), "%s", err.msg);
	unsetenv("CTLSIGN_MOCK_SIGN_FAIL");
	sign_and_verify(s, 0, EVP_sha256());
	ctl_signer_free(s);
}

/* Open a signer on token eToken through the mock, sign once with SHA-256,
 * close it. */
static void sign_sha256_once(void)
{
	ctl_signer *s = NULL;
	ctl_err err;

	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, pin_source(0), NULL, &s, &err), CTL_OK,
		     "%s", err.msg);
	sign_and_verify(s, 0, EVP_sha256());
	ctl_signer_free(s);
}

Test(token, mechanism_choice)
{
	ctl_signer *s = NULL;
	ctl_err err;

	sign_sha256_once();
	cr_assert_eq(count_lines("sign.log", "mech=0x40 rv=0x0"), 1, "CKM_SHA256_RSA_PKCS not used");

	/* A token without hashing mechanisms: CKM_RSA_PKCS over a DigestInfo. */
	setenv("CTLSIGN_MOCK_NO_SHA_MECHS", "1", 1);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, pin_source(0), NULL, &s, &err), CTL_OK,
		     "%s", err.msg);
	sign_and_verify(s, 0, EVP_sha256());
	sign_and_verify(s, 0, EVP_sha1());
	sign_and_verify(s, 0, EVP_sha512());
	cr_assert_eq(count_lines("sign.log", "mech=0x1 rv=0x0"), 3);
	cr_assert_eq(count_lines("sign.log", NULL), 4);
	ctl_signer_free(s);

	/* A list longer than the first call's room is asked for again, in
	 * full: the hashing mechanisms are found after 200 others, and their
	 * absence is seen too. */
	unsetenv("CTLSIGN_MOCK_NO_SHA_MECHS");
	setenv("CTLSIGN_MOCK_MANY_MECHS", "200", 1);
	sign_sha256_once();
	cr_assert_eq(count_lines("sign.log", "mech=0x40 rv=0x0"), 2, "CKM_SHA256_RSA_PKCS not used");
	setenv("CTLSIGN_MOCK_NO_SHA_MECHS", "1", 1);
	sign_sha256_once();
	cr_assert_eq(count_lines("sign.log", "mech=0x1 rv=0x0"), 4);
}

/* ---- PIN sources ------------------------------------------------------ */

Test(token, pin_file_permissions_warn)
{
	struct warns w = {0};
	ctl_signer *s = NULL;
	ctl_err err;
	char src[4300], pin[300];

	snprintf(pin, sizeof(pin), "%s\n", read_pin(0));
	snprintf(src, sizeof(src), "file:%s", pin_file_with(pin, strlen(pin), 0640));
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, src, &w, &s, &err), CTL_OK, "%s",
		     err.msg);
	cr_assert_eq(w.n, 1);
	cr_assert(strstr(w.all, "chmod 600"), "%s", w.all);
	cr_assert(strstr(w.all, "0640"), "%s", w.all);
	ctl_signer_free(s);

	w = (struct warns){0};
	pin_file_with(pin, strlen(pin), 0600);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, src, &w, &s, &err), CTL_OK, "%s",
		     err.msg);
	cr_assert_eq(w.n, 0, "%s", w.all);
	ctl_signer_free(s);
}

Test(token, pin_file_parsing)
{
	ctl_pin p;
	ctl_err err;
	char warn[256];
	char longpin[CTL_PIN_MAX + 2];

	ctl_pin_init(&p);
	cr_assert_eq(ctl_pin_from_source(&p, pin_file_with("ab c\r\n", 6, 0600), warn, sizeof(warn),
					 &err),
		     CTL_OK, "%s", err.msg);
	cr_assert_eq(p.len, 4);
	cr_assert(!memcmp(p.buf, "ab c", 5));
	cr_assert_eq(p.origin, CTL_PIN_FROM_FILE);
	ctl_pin_wipe(&p);
	cr_assert_eq(p.len, 0);
	cr_assert_eq(p.buf[0], 0);

	ctl_pin_init(&p);
	cr_assert_eq(ctl_pin_from_source(&p, pin_file_with("ab c\r", 5, 0600), warn, sizeof(warn),
					 &err),
		     CTL_OK, "%s", err.msg);
	cr_assert_eq(p.len, 4, "a lone trailing CR is stripped");
	cr_assert_eq(ctl_pin_from_source(&p, pin_file_with("\xEF\xBB\xBF" "1234\n", 8, 0600), warn,
					 sizeof(warn), &err),
		     CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "byte order mark"), "%s", err.msg);
	cr_assert_eq(p.len, 0);
	cr_assert_eq(ctl_pin_from_source(&p, pin_file_with("12\t34\n", 6, 0600), warn, sizeof(warn),
					 &err),
		     CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "control character"), "%s", err.msg);
	cr_assert_eq(ctl_pin_from_source(&p, pin_file_with("1234\n\n", 6, 0600), warn, sizeof(warn),
					 &err),
		     CTL_E_TOKEN);
	cr_assert_eq(ctl_pin_from_source(&p, pin_file_with("\n", 1, 0600), warn, sizeof(warn), &err),
		     CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "empty"), "%s", err.msg);

	memset(longpin, 'a', sizeof(longpin));
	cr_assert_eq(ctl_pin_from_source(&p, pin_file_with(longpin, CTL_PIN_MAX, 0600), warn,
					 sizeof(warn), &err),
		     CTL_OK, "%s", err.msg);
	cr_assert_eq(p.len, CTL_PIN_MAX);
	cr_assert_eq(ctl_pin_from_source(&p, pin_file_with(longpin, CTL_PIN_MAX + 1, 0600), warn,
					 sizeof(warn), &err),
		     CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "longer than"), "%s", err.msg);
	cr_assert_eq(p.len, 0);
	cr_assert_eq(ctl_pin_from_source(&p, "file:/nonexistent/pin", warn, sizeof(warn), &err),
		     CTL_E_IO);
	ctl_pin_wipe(&p);
}

/* What a Windows editor leaves in a PIN file must never reach the token. */
Test(token, pin_file_bom_is_refused_and_lone_cr_stripped)
{
	ctl_signer *s = NULL;
	ctl_err err;
	char content[300], src[4300];
	const char *pin = read_pin(0);

	snprintf(content, sizeof(content), "\xEF\xBB\xBF%s\r\n", pin);
	snprintf(src, sizeof(src), "file:%s", pin_file_with(content, strlen(content), 0600));
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, src, NULL, &s, &err), CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "byte order mark"), "%s", err.msg);
	cr_assert(strstr(err.msg, "pin-custom"), "the file is not named: %s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 0, "C_Login was called");

	/* a lone trailing CR (old Mac line end, or a CRLF file cut short) */
	snprintf(content, sizeof(content), "%s\r", pin);
	pin_file_with(content, strlen(content), 0600);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, src, NULL, &s, &err), CTL_OK, "%s",
		     err.msg);
	cr_assert_eq(count_lines("login.log", "rv=0x0"), 1);
	ctl_signer_free(s);

	/* a CR anywhere else is a broken file, not a PIN */
	snprintf(content, sizeof(content), "%s\r\r\n", pin);
	pin_file_with(content, strlen(content), 0600);
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, src, NULL, &s, &err), CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "control character"), "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 1, "C_Login was called");
}

Test(token, too_long_pin_is_an_error_not_a_truncation)
{
	char longpin[400];
	ctl_signer *s = NULL;
	ctl_err err;
	char src[4300];

	memset(longpin, '7', sizeof(longpin));
	snprintf(src, sizeof(src), "file:%s", pin_file_with(longpin, sizeof(longpin), 0600));
	cr_assert_eq(open_signer("pkcs11:token=eToken", mock, src, NULL, &s, &err), CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "longer than"), "%s", err.msg);
	cr_assert_eq(count_lines("login.log", NULL), 0);

	longpin[sizeof(longpin) - 1] = '\0';
	setenv("CTLSIGN_TEST_PIN", longpin, 1);
	{
		ctl_token_opts o = {.uri = "pkcs11:token=eToken", .module = mock,
				    .pin = {.env = "CTLSIGN_TEST_PIN"}};

		cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_E_TOKEN);
		cr_assert(strstr(err.msg, "longer than"), "%s", err.msg);
	}
	cr_assert_eq(count_lines("login.log", NULL), 0);
}

static int prctl_get(void)
{
	return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
}

Test(token, pin_guard_makes_process_undumpable_until_exit)
{
	ctl_pin p;

	ctl_pin_init(&p);
	cr_assert_eq(prctl_get(), 0);
	ctl_pin_wipe(&p);
	cr_assert_eq(prctl_get(), 0);
}

/* After a login with an environment PIN: not dumpable, and the PIN gone
 * from the environment, for the rest of the run. */
Test(token, env_pin_login_leaves_no_dumpable_process_and_no_variable)
{
	ctl_token_opts o = {0};
	ctl_signer *s = NULL;
	ctl_err err;

	setenv("CTLSIGN_TEST_PIN", read_pin(0), 1);
	o.uri = "pkcs11:token=eToken";
	o.module = mock;
	o.pin.env = "CTLSIGN_TEST_PIN";
	cr_assert_eq(ctl_token_signer_open(&o, &s, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(prctl_get(), 0, "dumpable again after the login");
	cr_assert_null(getenv("CTLSIGN_TEST_PIN"), "the PIN is still in the environment");
	sign_and_verify(s, 0, EVP_sha256());
	ctl_signer_free(s);
	cr_assert_eq(prctl_get(), 0, "dumpable again after signing");
}

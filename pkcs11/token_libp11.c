/* Token backend. libp11 loads and initialises each module and enumerates
 * slots, tokens and certificates. Everything that touches a PIN or a
 * signature goes straight to the module's own function list on a session of
 * our own: fresh C_GetTokenInfo flags right before each C_Login, exact CKR
 * codes, a mechanism chosen from C_GetMechanismList, and no PIN copy kept
 * by libp11 (its PKCS11_login stores the PIN for re-login). The module is
 * one instance per process, so both views share one login state.
 *
 * The only file that includes <libp11.h>: it is the piece to replace when
 * libp11 goes provider-only. */
#include "token.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libp11.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <p11-kit/pkcs11.h>

#include "pin.h"

/* One loaded module. */
struct p11mod {
	const char *path;
	void *dl;                  /* our reference on the module's handle */
	CK_FUNCTION_LIST *fn;      /* the module's own function list */
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots;
	unsigned int nslots;
};

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

/* The CKR code libp11 left on the OpenSSL error queue, 0 if none. */
static unsigned long queued_ckr(void)
{
	unsigned long e, rv = 0;
	int lib = ERR_get_CKR_code();

	while ((e = ERR_get_error()) != 0)
		if (ERR_GET_LIB(e) == lib && !rv)
			rv = (unsigned long)ERR_GET_REASON(e);
	return rv;
}

/* Record a failed PKCS#11 call: CKR name, value and text. */
static ctl_status ckr_fail(ctl_err *err, unsigned long rv, const char *what, const char *token)
{
	char d[256];

	ctl_ckr_describe(rv, d, sizeof(d));
	if (token)
		return ctl_err_set(err, ctl_ckr_status(rv), -1, -1, -1, "%s on token `%s': %s",
				   what, token, d);
	return ctl_err_set(err, ctl_ckr_status(rv), -1, -1, -1, "%s: %s", what, d);
}

/* A libp11 call failed: use its CKR code when there is one. */
static ctl_status lib_fail(ctl_err *err, const char *what, const char *token)
{
	unsigned long rv = queued_ckr();

	if (rv)
		return ckr_fail(err, rv, what, token);
	return ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1, "%s%s%s%s: failed (no PKCS#11 code)",
			   what, token ? " on token `" : "", token ? token : "", token ? "'" : "");
}

static void mod_close(struct p11mod *m)
{
	if (m->ctx) {
		if (m->slots)
			PKCS11_release_all_slots(m->ctx, m->slots, m->nslots);
		PKCS11_CTX_unload(m->ctx);
		PKCS11_CTX_free(m->ctx);
	}
	if (m->dl)
		dlclose(m->dl);
	memset(m, 0, sizeof(*m));
}

static ctl_status mod_open(struct p11mod *m, const char *path, ctl_err *err)
{
	CK_C_GetFunctionList get = NULL;
	CK_ULONG count = 0;
	CK_RV rv;
	ctl_status st = CTL_OK;

	memset(m, 0, sizeof(*m));
	m->path = path;
	/* dlopen first: its message says why a path is not loadable, and the
	 * handle gives the function list libp11 keeps private. */
	m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!m->dl) {
		st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1, "cannot load PKCS#11 module `%s': %s",
				 path, dlerror());
		goto out;
	}
	*(void **)&get = dlsym(m->dl, "C_GetFunctionList");
	if (!get || get(&m->fn) != CKR_OK || !m->fn) {
		st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				 "`%s' is not a PKCS#11 module (no usable C_GetFunctionList)", path);
		goto out;
	}
	if (!(m->ctx = PKCS11_CTX_new())) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	if (PKCS11_CTX_load(m->ctx, path) < 0) {
		char what[600];

		snprintf(what, sizeof(what), "cannot initialise PKCS#11 module `%s'", path);
		st = lib_fail(err, what, NULL);
		PKCS11_CTX_free(m->ctx);
		m->ctx = NULL;
		goto out;
	}
	/* libp11 0.4.12 fails on an empty slot list (OPENSSL_malloc(0)):
	 * ask the module first. */
	rv = m->fn->C_GetSlotList(CK_FALSE, NULL, &count);
	if (rv != CKR_OK) {
		char what[600];

		snprintf(what, sizeof(what), "cannot list the slots of `%s'", path);
		st = ckr_fail(err, rv, what, NULL);
		goto out;
	}
	if (count == 0)
		goto out;
	if (PKCS11_enumerate_slots(m->ctx, &m->slots, &m->nslots) < 0) {
		char what[600];

		snprintf(what, sizeof(what), "cannot list the slots of `%s'", path);
		m->slots = NULL;
		m->nslots = 0;
		st = lib_fail(err, what, NULL);
		goto out;
	}
out:
	if (st != CTL_OK)
		mod_close(m);
	ERR_clear_error();
	return st;
}

static void token_state_of(unsigned long flags, ctl_token_state *s)
{
	s->login_required = flags & CKF_LOGIN_REQUIRED;
	s->pin_initialized = flags & CKF_USER_PIN_INITIALIZED;
	s->count_low = flags & CKF_USER_PIN_COUNT_LOW;
	s->final_try = flags & CKF_USER_PIN_FINAL_TRY;
	s->locked = flags & CKF_USER_PIN_LOCKED;
	s->to_be_changed = flags & CKF_USER_PIN_TO_BE_CHANGED;
	s->pin_pad = flags & CKF_PROTECTED_AUTHENTICATION_PATH;
}

static void token_info_free(ctl_token_info *t)
{
	if (!t)
		return;
	free(t->label);
	free(t->manufacturer);
	free(t->model);
	free(t->serial);
	free(t->uri);
	for (size_t i = 0; i < t->ncerts; i++) {
		free(t->certs[i].label);
		free(t->certs[i].id);
		free(t->certs[i].uri);
		X509_free(t->certs[i].cert);
	}
	free(t->certs);
	free(t);
}

/* Identity, flags and (optionally) certificates of the token in a slot. */
/* Certificates are public objects: read without login. A failure is noted
 * on the token rather than failing the listing. */
static ctl_status read_certs(PKCS11_TOKEN *tok, ctl_token_info *t, const char *uri_module,
			     ctl_err *err)
{
	PKCS11_CERT *certs = NULL;
	unsigned int ncerts = 0;

	if (PKCS11_enumerate_certs(tok, &certs, &ncerts) < 0) {
		ctl_err e;

		ctl_err_clear(&e);
		lib_fail(&e, "reading certificates", t->label);
		snprintf(t->cert_error, sizeof(t->cert_error), "%s", e.msg);
		return CTL_OK;
	}
	if (ncerts && !(t->certs = calloc(ncerts, sizeof(*t->certs))))
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	for (unsigned int i = 0; i < ncerts; i++) {
		ctl_token_cert *c = &t->certs[t->ncerts];

		if (!certs[i].x509)
			continue;
		t->ncerts++;
		c->label = xstrdup(certs[i].label);
		c->id = malloc(certs[i].id_len ? certs[i].id_len : 1);
		c->cert = X509_dup(certs[i].x509);
		if (!c->label || !c->id || !c->cert)
			return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		if (certs[i].id_len)
			memcpy(c->id, certs[i].id, certs[i].id_len);
		c->id_len = certs[i].id_len;
		/* Without type=: the URI names the key and its certificate alike,
		 * which is what `build --sign-with' takes. */
		if (!(c->uri = ctl_token_uri_format(t, c->id, c->id_len, c->label, "", uri_module)))
			return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	}
	return CTL_OK;
}

static ctl_status token_info_get(const struct p11mod *m, PKCS11_SLOT *slot, bool with_certs,
				 const char *uri_module, ctl_token_info **out, ctl_err *err)
{
	PKCS11_TOKEN *tok = slot->token;
	ctl_token_info *t = calloc(1, sizeof(*t));
	CK_TOKEN_INFO ti;
	ctl_status st = CTL_OK;

	*out = NULL;
	if (!t || !(t->label = xstrdup(tok->label)) ||
	    !(t->manufacturer = xstrdup(tok->manufacturer)) || !(t->model = xstrdup(tok->model)) ||
	    !(t->serial = xstrdup(tok->serialnr))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	t->initialized = tok->initialized;
	/* Fresh flags from the module rather than libp11's copy. */
	if (m->fn->C_GetTokenInfo(PKCS11_get_slotid_from_slot(slot), &ti) == CKR_OK)
		token_state_of(ti.flags, &t->state);
	else
		token_state_of((tok->loginRequired ? CKF_LOGIN_REQUIRED : 0) |
				       (tok->userPinSet ? CKF_USER_PIN_INITIALIZED : 0) |
				       (tok->userPinCountLow ? CKF_USER_PIN_COUNT_LOW : 0) |
				       (tok->userPinFinalTry ? CKF_USER_PIN_FINAL_TRY : 0) |
				       (tok->userPinLocked ? CKF_USER_PIN_LOCKED : 0) |
				       (tok->userPinToBeChanged ? CKF_USER_PIN_TO_BE_CHANGED : 0) |
				       (tok->secureLogin ? CKF_PROTECTED_AUTHENTICATION_PATH : 0),
			       &t->state);
	if (!(t->uri = ctl_token_uri_format(t, NULL, 0, NULL, NULL, uri_module))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	if (with_certs && tok->initialized &&
	    (st = read_certs(tok, t, uri_module, err)) != CTL_OK)
		goto out;
	*out = t;
	t = NULL;
out:
	ERR_clear_error();
	token_info_free(t);
	return st;
}

/* ---- Listing ---------------------------------------------------------- */

static void module_entry_free(ctl_token_module *mo)
{
	free(mo->path);
	free(mo->name);
	free(mo->manufacturer);
	free(mo->description);
	for (size_t j = 0; j < mo->nslots; j++) {
		free(mo->slots[j].description);
		free(mo->slots[j].manufacturer);
		token_info_free(mo->slots[j].token);
	}
	free(mo->slots);
}

void ctl_token_list_free(ctl_token_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; l->modules && i < l->nmodules; i++)
		module_entry_free(&l->modules[i]);
	free(l->modules);
	free(l);
}

static ctl_status list_module(ctl_token_module *mo, bool explicit, ctl_err *err)
{
	struct p11mod m;
	ctl_err merr;
	ctl_status st = CTL_OK;

	char abs[4096];
	const char *uri_module = NULL;

	/* URIs carry an absolute module-path so they work from anywhere. */
	if (explicit)
		uri_module = realpath(mo->path, abs) ? abs : mo->path;
	ctl_err_clear(&merr);
	mo->status = mod_open(&m, mo->path, &merr);
	if (mo->status != CTL_OK) {
		snprintf(mo->error, sizeof(mo->error), "%s", merr.msg);
		return CTL_OK;
	}
	if (!(mo->manufacturer = xstrdup(m.ctx->manufacturer)) ||
	    !(mo->description = xstrdup(m.ctx->description)) ||
	    (m.nslots && !(mo->slots = calloc(m.nslots, sizeof(*mo->slots))))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	for (unsigned int i = 0; i < m.nslots; i++) {
		PKCS11_SLOT *s = &m.slots[i];
		ctl_token_slot *so = &mo->slots[mo->nslots++];

		so->id = PKCS11_get_slotid_from_slot(s);
		so->removable = s->removable;
		if (!(so->description = xstrdup(s->description)) ||
		    !(so->manufacturer = xstrdup(s->manufacturer))) {
			st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			goto out;
		}
		if (s->token &&
		    (st = token_info_get(&m, s, true, uri_module, &so->token, err)))
			goto out;
	}
out:
	mod_close(&m);
	return st;
}

ctl_status ctl_token_enumerate(const char *const *modules, size_t nmodules,
			       ctl_token_list **out, ctl_err *err)
{
	ctl_token_list *l = calloc(1, sizeof(*l));
	char **paths = NULL, **names = NULL;
	size_t n = 0;
	bool explicit = nmodules > 0;
	ctl_status st = CTL_OK;

	*out = NULL;
	if (!l) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	if (!explicit) {
		st = ctl_token_registry(&paths, &names, &n, l->registry_error,
					sizeof(l->registry_error), err);
		if (st != CTL_OK)
			goto out;
		modules = (const char *const *)paths;
		nmodules = n;
	}
	if (nmodules && !(l->modules = calloc(nmodules, sizeof(*l->modules)))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nmodules; i++) {
		ctl_token_module *mo = &l->modules[l->nmodules++];

		if (!(mo->path = xstrdup(modules[i])) ||
		    (names && names[i] && !(mo->name = xstrdup(names[i])))) {
			st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			goto out;
		}
		if ((st = list_module(mo, explicit, err)) != CTL_OK)
			goto out;
	}
	*out = l;
	l = NULL;
out:
	ctl_token_strv_free(paths, n);
	ctl_token_strv_free(names, n);
	ctl_token_list_free(l);
	return st;
}

/* ---- Signer ----------------------------------------------------------- */

struct token_signer {
	struct p11mod mod;
	CK_SESSION_HANDLE session;
	bool has_session;
	CK_OBJECT_HANDLE key;
	CK_SLOT_ID slot;
	char label[64];
	/* mechanisms the token lists */
	bool mech_rsa, mech_sha1, mech_sha256, mech_sha384, mech_sha512;
};

static void signer_free(ctl_signer *s)
{
	struct token_signer *t;

	if (!s)
		return;
	t = s->impl;
	if (t) {
		/* Closing the last session logs the token out. */
		if (t->has_session)
			t->mod.fn->C_CloseSession(t->session);
		mod_close(&t->mod);
		free(t);
	}
	X509_free(s->cert);
	free(s);
}

/* DER DigestInfo prefixes (RFC 8017, 9.2 note 1): what CKM_RSA_PKCS signs
 * when the token cannot hash. */
static const struct {
	int nid;
	unsigned char prefix[19];
	size_t len;
} digest_info[] = {
	{NID_sha1, {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00,
		    0x04, 0x14}, 15},
	{NID_sha256, {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
		      0x02, 0x01, 0x05, 0x00, 0x04, 0x20}, 19},
	{NID_sha384, {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
		      0x02, 0x02, 0x05, 0x00, 0x04, 0x30}, 19},
	{NID_sha512, {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
		      0x02, 0x03, 0x05, 0x00, 0x04, 0x40}, 19},
};

static CK_RV sign_once(struct token_signer *t, CK_MECHANISM_TYPE mech, const uint8_t *data,
		       size_t len, uint8_t *sig, CK_ULONG *siglen)
{
	CK_MECHANISM m = {mech, NULL, 0};
	CK_RV rv = t->mod.fn->C_SignInit(t->session, &m, t->key);

	if (rv != CKR_OK)
		return rv;
	return t->mod.fn->C_Sign(t->session, (CK_BYTE *)data, len, sig, siglen);
}

static ctl_status signer_sign(ctl_signer *s, const EVP_MD *md, const uint8_t *data, size_t len,
			      uint8_t *sig, size_t *siglen, ctl_err *err)
{
	struct token_signer *t = s->impl;
	int nid = EVP_MD_get_type(md);
	int size = EVP_PKEY_get_size(X509_get0_pubkey(s->cert));
	CK_MECHANISM_TYPE hashed = CKM_RSA_PKCS;
	bool has_hashed = false;
	uint8_t di[19 + EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	CK_ULONG out = size > 0 ? (CK_ULONG)size : 0;
	CK_RV rv = CKR_MECHANISM_INVALID;
	size_t k;
	ctl_status st = CTL_OK;

	switch (nid) {
	case NID_sha1: hashed = CKM_SHA1_RSA_PKCS; has_hashed = t->mech_sha1; break;
	case NID_sha256: hashed = CKM_SHA256_RSA_PKCS; has_hashed = t->mech_sha256; break;
	case NID_sha384: hashed = CKM_SHA384_RSA_PKCS; has_hashed = t->mech_sha384; break;
	case NID_sha512: hashed = CKM_SHA512_RSA_PKCS; has_hashed = t->mech_sha512; break;
	default:
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "digest %s is not supported on tokens",
				 EVP_MD_get0_name(md));
		goto out;
	}
	if (size <= 0) {
		st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				 "the certificate on token `%s' has no usable public key", t->label);
		goto out;
	}
	if (has_hashed)
		rv = sign_once(t, hashed, data, len, sig, &out);
	if (rv == CKR_MECHANISM_INVALID) {
		if (!t->mech_rsa) {
			st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
					 "token `%s' offers no RSA PKCS#1 v1.5 signing mechanism",
					 t->label);
			goto out;
		}
		for (k = 0; k < sizeof(digest_info) / sizeof(digest_info[0]); k++)
			if (digest_info[k].nid == nid)
				break;
		if (k == sizeof(digest_info) / sizeof(digest_info[0])) {
			st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "no DigestInfo for %s",
					 EVP_MD_get0_name(md));
			goto out;
		}
		memcpy(di, digest_info[k].prefix, digest_info[k].len);
		if (!EVP_Digest(data, len, di + digest_info[k].len, &dlen, md, NULL)) {
			st = ctl_err_ssl(err, CTL_E_INTERNAL, "cannot hash the data");
			goto out;
		}
		out = (CK_ULONG)size;
		rv = sign_once(t, CKM_RSA_PKCS, di, digest_info[k].len + dlen, sig, &out);
	}
	if (rv != CKR_OK) {
		st = ckr_fail(err, rv, "signing failed", t->label);
		goto out;
	}
	*siglen = out;
	st = ctl_signer_check(s->cert, md, data, len, sig, out, err);
out:
	return st;
}

static void warnf(const ctl_token_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warnf(const ctl_token_opts *o, const char *fmt, ...)
{
	char msg[CTL_ERR_MSG];
	va_list ap;

	if (!o->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->warn(o->ctx, msg);
}

/* Append "\n  URI" lines to an error message. */
static void append_line(ctl_err *err, const char *uri)
{
	size_t n = strlen(err->msg);

	if (n + 4 < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, "\n  %s", uri);
}

/* Get the PIN for one login attempt (attempt 0 is the first). Non-terminal
 * sources are only ever read for attempt 0. */
static ctl_status get_pin(const ctl_token_opts *o, const char *uri_source,
			  const ctl_token_state *fs, const char *label, int attempt, ctl_pin *pin,
			  ctl_err *err)
{
	const char *source = uri_source ? uri_source : o->pin.source;
	char warn[CTL_ERR_MSG + 64];
	char prompt[160];
	ctl_status st;

	if (source || o->pin.env) {
		if (fs->final_try)
			return ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
					   "Only one PIN attempt left on token `%s'. Cancelling login "
					   "to avoid locking it. Log in once interactively with the "
					   "right PIN (or with SafeNet Authentication Client) to reset "
					   "the counter.",
					   label);
		if (attempt > 0)
			return CTL_E_TOKEN; /* caller keeps the first error */
		if (source) {
			st = ctl_pin_from_source(pin, source, warn, sizeof(warn), err);
			if (st == CTL_OK && warn[0])
				warnf(o, "%s", warn);
			return st;
		}
		return ctl_pin_from_env(pin, o->pin.env, err);
	}
	if (!o->pin.interactive)
		return ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				   "token `%s' needs a PIN: give --pin-source FILE, --pin-env NAME "
				   "or run on a terminal",
				   label);
	if (fs->final_try) {
		char answer[16] = "";
		ctl_prompt_fn fn = o->prompt ? o->prompt : ctl_pin_tty_prompt;

		snprintf(prompt, sizeof(prompt),
			 "Only one PIN attempt left on token `%s': a wrong PIN locks it for good.\n"
			 "Type `yes' to try anyway: ",
			 label);
		st = fn(o->ctx, prompt, true, answer, sizeof(answer), err);
		if (st != CTL_OK)
			return st;
		if (strcmp(answer, "yes"))
			return ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
					   "login to token `%s' cancelled: only one PIN attempt left",
					   label);
	}
	snprintf(prompt, sizeof(prompt), "PIN for token `%s': ", label);
	return ctl_pin_from_prompt(pin, o->prompt, o->ctx, prompt, err);
}

/* Log in to the one selected token, following the lockout rules. */
static ctl_status login(struct token_signer *t, const ctl_token_opts *o, const char *uri_source,
			ctl_err *err)
{
	CK_FUNCTION_LIST *fn = t->mod.fn;
	ctl_status st = CTL_OK;
	ctl_err first;
	ctl_pin pin;
	bool have_first = false;

	ctl_err_clear(&first);
	ctl_pin_init(&pin);
	for (int attempt = 0; attempt < 3; attempt++) {
		CK_TOKEN_INFO ti;
		CK_SESSION_INFO si;
		ctl_token_state fs;
		CK_RV rv;

		/* Flags right before every login: the counter may have moved. */
		rv = fn->C_GetTokenInfo(t->slot, &ti);
		if (rv != CKR_OK) {
			st = ckr_fail(err, rv, "reading token state", t->label);
			goto out;
		}
		token_state_of(ti.flags, &fs);
		if (fn->C_GetSessionInfo(t->session, &si) == CKR_OK &&
		    (si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS))
			goto out;
		if (!fs.login_required)
			goto out;
		if (fs.locked) {
			st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
					 "the user PIN of token `%s' is locked; no login was tried. "
					 "Unlock it with the administrator (SO) PIN in SafeNet "
					 "Authentication Client, or use another token",
					 t->label);
			goto out;
		}
		if (fs.count_low && attempt == 0)
			warnf(o,
			      "token `%s': a wrong PIN was entered since its last successful login "
			      "(PIN count low); a few more wrong PINs lock it for good",
			      t->label);
		if (fs.pin_pad) {
			warnf(o, "enter the PIN for token `%s' on the reader", t->label);
			rv = fn->C_Login(t->session, CKU_USER, NULL, 0);
		} else {
			ctl_err perr;

			ctl_err_clear(&perr);
			st = get_pin(o, uri_source, &fs, t->label, attempt, &pin,
				     have_first ? &perr : err);
			if (st != CTL_OK) {
				if (have_first)
					*err = first;
				goto out;
			}
			rv = fn->C_Login(t->session, CKU_USER, (CK_UTF8CHAR *)pin.buf, pin.len);
			OPENSSL_cleanse(pin.buf, sizeof(pin.buf));
			pin.len = 0;
		}
		if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
			st = CTL_OK;
			goto out;
		}
		st = ckr_fail(err, rv, "login failed", t->label);
		if (fs.pin_pad)
			goto out;
		if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE) {
			bool from_tty = !uri_source && !o->pin.source && !o->pin.env;

			if (!from_tty) {
				size_t n = strlen(err->msg);

				snprintf(err->msg + n, sizeof(err->msg) - n,
					 "; a PIN from a file or the environment is never retried");
				goto out;
			}
			first = *err;
			have_first = true;
			continue;
		}
		goto out;
	}
out:
	ctl_pin_wipe(&pin);
	return st;
}

static void mechanisms(struct token_signer *t)
{
	CK_MECHANISM_TYPE *list = NULL;
	CK_ULONG n = 0;

	if (t->mod.fn->C_GetMechanismList(t->slot, NULL, &n) != CKR_OK || n == 0)
		return;
	if (!(list = calloc(n, sizeof(*list))))
		return;
	if (t->mod.fn->C_GetMechanismList(t->slot, list, &n) == CKR_OK) {
		for (CK_ULONG i = 0; i < n; i++) {
			t->mech_rsa |= list[i] == CKM_RSA_PKCS;
			t->mech_sha1 |= list[i] == CKM_SHA1_RSA_PKCS;
			t->mech_sha256 |= list[i] == CKM_SHA256_RSA_PKCS;
			t->mech_sha384 |= list[i] == CKM_SHA384_RSA_PKCS;
			t->mech_sha512 |= list[i] == CKM_SHA512_RSA_PKCS;
		}
	}
	free(list);
}

/* Find the one private key the URI names among keys that have one of the
 * candidate certificates' ids. */
static ctl_status find_key(struct token_signer *t, const ctl_token_uri *u,
			   const ctl_token_info *ti, const bool *cert_ok, size_t *which,
			   const char *uri_module, ctl_err *err)
{
	CK_FUNCTION_LIST *fn = t->mod.fn;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}};
	CK_OBJECT_HANDLE objs[64];
	CK_ULONG nobj = 0;
	size_t found = 0;
	char *uris[8] = {0};
	size_t nuris = 0;
	CK_RV rv;
	ctl_status st = CTL_OK;

	rv = fn->C_FindObjectsInit(t->session, tmpl, 1);
	if (rv == CKR_OK) {
		rv = fn->C_FindObjects(t->session, objs, 64, &nobj);
		fn->C_FindObjectsFinal(t->session);
	}
	if (rv != CKR_OK) {
		st = ckr_fail(err, rv, "looking for the private key", t->label);
		goto out;
	}
	for (CK_ULONG i = 0; i < nobj; i++) {
		uint8_t id[256];
		char label[256];
		CK_ATTRIBUTE a[] = {{CKA_ID, id, sizeof(id)}, {CKA_LABEL, label, sizeof(label) - 1}};
		size_t c;

		if (fn->C_GetAttributeValue(t->session, objs[i], a, 2) != CKR_OK ||
		    a[0].ulValueLen == CK_UNAVAILABLE_INFORMATION ||
		    a[1].ulValueLen == CK_UNAVAILABLE_INFORMATION)
			continue;
		label[a[1].ulValueLen] = '\0';
		/* type=cert names the key through its certificate's id/label */
		if (!ctl_token_uri_match_object(u, id, a[0].ulValueLen, label, NULL))
			continue;
		for (c = 0; c < ti->ncerts; c++)
			if (cert_ok[c] && ti->certs[c].id_len == a[0].ulValueLen &&
			    !memcmp(ti->certs[c].id, id, a[0].ulValueLen))
				break;
		if (c == ti->ncerts)
			continue;
		if (found == 0) {
			t->key = objs[i];
			*which = c;
		}
		if (nuris < 8)
			uris[nuris++] = ctl_token_uri_format(ti, id, a[0].ulValueLen, label, "private",
							     uri_module);
		found++;
	}
	if (found == 0)
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "no private key on token `%s' matches the URI and has a certificate "
				 "with the same id",
				 t->label);
	else if (found > 1) {
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "the URI matches %zu keys on token `%s'; add id= or object= to "
				 "choose one of:",
				 found, t->label);
		for (size_t i = 0; i < nuris; i++)
			append_line(err, uris[i] ? uris[i] : "(out of memory)");
	}
out:
	for (size_t i = 0; i < nuris; i++)
		free(uris[i]);
	return st;
}

struct candidate {
	size_t mod;
	PKCS11_SLOT *slot;
	ctl_token_info *info;
};

ctl_status ctl_token_signer_open(const ctl_token_opts *o, ctl_signer **out, ctl_err *err)
{
	ctl_token_uri *u = NULL;
	struct p11mod *mods = NULL;
	size_t nmods = 0;
	char **paths = NULL, **names = NULL;
	size_t npaths = 0;
	const char *uri_module = NULL;
	const char *uri_source, *type;
	struct candidate cand[16];
	size_t ncand = 0, present = 0;
	ctl_err loaderr;
	char regerr[CTL_ERR_MSG];
	ctl_signer *s = NULL;
	struct token_signer *t = NULL;
	bool *cert_ok = NULL;
	size_t ncert_ok = 0, which = 0;
	ctl_token_info *sel;
	ctl_status st = CTL_OK;
	CK_RV rv;

	*out = NULL;
	ctl_err_clear(&loaderr);
	if ((st = ctl_token_uri_parse(o->uri, &u, err)) != CTL_OK)
		goto out;
	uri_source = ctl_token_uri_pin_source(u);
	if (uri_source && (o->pin.source || o->pin.env)) {
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "the URI has a pin-source and a PIN option was given too; keep one");
		goto out;
	}
	if (o->pin.source && o->pin.env) {
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "give either --pin-source or --pin-env, not both");
		goto out;
	}
	type = ctl_token_uri_type(u);
	if (type && strcmp(type, "private") && strcmp(type, "cert")) {
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "a signing URI names a private key or its certificate, not "
				 "type=%s", type);
		goto out;
	}
	uri_module = ctl_token_uri_module_path(u);
	if (o->module && uri_module && strcmp(o->module, uri_module)) {
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "--module `%s' and the URI's module-path `%s' disagree", o->module,
				 uri_module);
		goto out;
	}
	if (o->module)
		uri_module = o->module;
	if (uri_module) {
		if (!(paths = calloc(1, sizeof(*paths))) || !(paths[0] = strdup(uri_module))) {
			st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			goto out;
		}
		npaths = 1;
	} else if ((st = ctl_token_registry(&paths, &names, &npaths, regerr, sizeof(regerr),
					    err)) != CTL_OK) {
		goto out;
	}
	if (!(mods = calloc(npaths ? npaths : 1, sizeof(*mods)))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	/* Match on identity only: nothing is sent to any token yet. */
	for (size_t i = 0; i < npaths; i++) {
		ctl_err e;

		ctl_err_clear(&e);
		if (mod_open(&mods[nmods], paths[i], &e) != CTL_OK) {
			if (loaderr.status == CTL_OK)
				loaderr = e;
			continue;
		}
		for (unsigned int j = 0; j < mods[nmods].nslots; j++) {
			PKCS11_SLOT *slot = &mods[nmods].slots[j];
			ctl_token_info *info;

			if (!slot->token || !slot->token->initialized)
				continue;
			present++;
			if ((st = token_info_get(&mods[nmods], slot, true, uri_module, &info, err)))
				goto out;
			if (!ctl_token_uri_match_token(u, info) || ncand == 16) {
				token_info_free(info);
				continue;
			}
			cand[ncand++] = (struct candidate){nmods, slot, info};
		}
		nmods++;
	}
	if (ncand == 0) {
		if (present == 0 && loaderr.status != CTL_OK) {
			*err = loaderr;
			st = loaderr.status;
		} else {
			st = ctl_err_set(err, CTL_E_NOTOKEN, -1, -1, -1,
					 "no token matching `%s' is present (%zu other token%s found)%s%s",
					 o->uri, present, present == 1 ? "" : "s",
					 loaderr.status ? "; " : "", loaderr.msg);
		}
		goto out;
	}
	if (ncand > 1) {
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "`%s' matches %zu tokens; add serial= or token= to choose one of:",
				 o->uri, ncand);
		for (size_t i = 0; i < ncand; i++)
			append_line(err, cand[i].info->uri);
		goto out;
	}
	sel = cand[0].info;
	/* Certificates are public: settle the key choice as far as possible
	 * before a PIN is spent. */
	if (sel->ncerts && !(cert_ok = calloc(sel->ncerts, sizeof(*cert_ok)))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	for (size_t c = 0; c < sel->ncerts; c++)
		if (ctl_token_uri_match_object(u, sel->certs[c].id, sel->certs[c].id_len,
					       sel->certs[c].label, NULL)) {
			cert_ok[c] = true;
			ncert_ok++;
		}
	if (ncert_ok == 0) {
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "no certificate on token `%s' matches `%s'; a signing key needs its "
				 "certificate on the token (same id)%s%s",
				 sel->label, o->uri, sel->cert_error[0] ? "; " : "", sel->cert_error);
		if (sel->cert_error[0])
			st = err->status = CTL_E_NOTOKEN;
		goto out;
	}
	if (ncert_ok > 1) {
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "`%s' matches %zu certificates on token `%s'; add id= or object= to "
				 "choose one of:",
				 o->uri, ncert_ok, sel->label);
		for (size_t c = 0; c < sel->ncerts; c++)
			if (cert_ok[c])
				append_line(err, sel->certs[c].uri);
		goto out;
	}

	if (o->check_cert)
		for (size_t c = 0; c < sel->ncerts; c++)
			if (cert_ok[c] && (st = o->check_cert(o->ctx, sel->certs[c].cert, err)) != CTL_OK)
				goto out;

	if (!(s = calloc(1, sizeof(*s))) || !(t = calloc(1, sizeof(*t)))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	/* The signer owns the selected module from here on. */
	t->mod = mods[cand[0].mod];
	memset(&mods[cand[0].mod], 0, sizeof(mods[0]));
	t->slot = PKCS11_get_slotid_from_slot(cand[0].slot);
	snprintf(t->label, sizeof(t->label), "%s", sel->label);
	s->impl = t;
	s->sign = signer_sign;
	s->free = signer_free;
	rv = t->mod.fn->C_OpenSession(t->slot, CKF_SERIAL_SESSION, NULL, NULL, &t->session);
	if (rv != CKR_OK) {
		st = ckr_fail(err, rv, "cannot open a session", t->label);
		goto out;
	}
	t->has_session = true;
	if ((st = login(t, o, uri_source, err)) != CTL_OK)
		goto out;
	if ((st = find_key(t, u, sel, cert_ok, &which, uri_module, err)) != CTL_OK)
		goto out;
	mechanisms(t);
	if (!(s->cert = X509_dup(sel->certs[which].cert))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	snprintf(s->desc, sizeof(s->desc), "%s", sel->certs[which].uri);
	*out = s;
	s = NULL;
out:
	signer_free(s);
	for (size_t i = 0; i < ncand; i++)
		token_info_free(cand[i].info);
	for (size_t i = 0; i < nmods; i++)
		mod_close(&mods[i]);
	free(mods);
	free(cert_ok);
	ctl_token_strv_free(paths, npaths);
	ctl_token_strv_free(names, npaths);
	ctl_token_uri_free(u);
	ERR_clear_error();
	return st;
}

/* Token backend, libp11 half: load and initialise modules, list slots,
 * tokens and certificates. Nothing here touches a PIN or a private key; that
 * is token_sign.c, on the module's own function list (see token_impl.h).
 *
 * The only file that includes <libp11.h> (and the only one built without
 * OPENSSL_NO_DEPRECATED): it is the piece to replace when libp11 goes
 * provider-only. */
#include "token.h"
#include "token_impl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libp11.h>
#include <openssl/err.h>

struct ctl_p11_module {
	const char *path;
	void *dl;                  /* our reference on the module's handle */
	CK_FUNCTION_LIST *fn;      /* the module's own function list */
	bool own_init;             /* fn was initialised by us, not by libp11 */
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

/* A libp11 call failed: use its CKR code when there is one. */
static ctl_status lib_fail(ctl_err *err, const char *what, const char *token)
{
	unsigned long rv = queued_ckr();

	if (rv)
		return ctl_p11_fail(err, rv, what, token);
	return ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1, "%s%s%s%s: failed (no PKCS#11 code)",
			   what, token ? " on token `" : "", token ? token : "", token ? "'" : "");
}

void ctl_p11_module_close(ctl_p11_module *m)
{
	if (!m)
		return;
	if (m->ctx) {
		if (m->slots)
			PKCS11_release_all_slots(m->ctx, m->slots, m->nslots);
		PKCS11_CTX_unload(m->ctx);
		PKCS11_CTX_free(m->ctx);
	}
	if (m->own_init && m->fn)
		m->fn->C_Finalize(NULL);
	if (m->dl)
		dlclose(m->dl);
	free(m);
}

ctl_status ctl_p11_module_open(const char *path, ctl_p11_module **out, ctl_err *err)
{
	ctl_p11_module *m = calloc(1, sizeof(*m));
	CK_C_GetFunctionList get = NULL;
	CK_ULONG count = 0;
	CK_RV rv;
	ctl_status st = CTL_E_INTERNAL;

	*out = NULL;
	if (!m) {
		ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		return CTL_E_INTERNAL;
	}
	m->path = path;
	/* dlopen first: its message says why a path is not loadable, and the
	 * handle gives the function list libp11 keeps private. */
	m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!m->dl) {
		st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1, "cannot load PKCS#11 module `%s': %s",
				 path, dlerror());
		goto fail;
	}
	*(void **)&get = dlsym(m->dl, "C_GetFunctionList");
	if (!get || get(&m->fn) != CKR_OK || !m->fn) {
		st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				 "`%s' is not a PKCS#11 module (no usable C_GetFunctionList)", path);
		goto fail;
	}
	if (!(m->ctx = PKCS11_CTX_new())) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto fail;
	}
	if (PKCS11_CTX_load(m->ctx, path) < 0) {
		char what[600];

		snprintf(what, sizeof(what), "cannot initialise PKCS#11 module `%s'", path);
		st = lib_fail(err, what, NULL);
		PKCS11_CTX_free(m->ctx);
		m->ctx = NULL;
		goto fail;
	}
	/* Our list is libp11's when the module hands out one list (its
	 * C_Initialize then says "already initialised"). The p11-kit proxy
	 * hands out a fresh, separately initialised list on every
	 * C_GetFunctionList: initialise ours too, and finalise it on close. */
	{
		CK_C_INITIALIZE_ARGS args;

		memset(&args, 0, sizeof(args));
		args.flags = CKF_OS_LOCKING_OK;
		rv = m->fn->C_Initialize(&args);
		if (rv == CKR_OK) {
			m->own_init = true;
		} else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
			char what[600];

			snprintf(what, sizeof(what), "cannot initialise PKCS#11 module `%s'", path);
			st = ctl_p11_fail(err, rv, what, NULL);
			goto fail;
		}
	}
	/* libp11 0.4.12 fails on an empty slot list (OPENSSL_malloc(0)):
	 * ask the module first. */
	rv = m->fn->C_GetSlotList(CK_FALSE, NULL, &count);
	if (rv != CKR_OK) {
		char what[600];

		snprintf(what, sizeof(what), "cannot list the slots of `%s'", path);
		st = ctl_p11_fail(err, rv, what, NULL);
		goto fail;
	}
	if (count == 0)
		goto done;
	if (PKCS11_enumerate_slots(m->ctx, &m->slots, &m->nslots) < 0) {
		char what[600];

		snprintf(what, sizeof(what), "cannot list the slots of `%s'", path);
		m->slots = NULL;
		m->nslots = 0;
		st = lib_fail(err, what, NULL);
		goto fail;
	}
done:
	ERR_clear_error();
	*out = m;
	return CTL_OK;
fail:
	ERR_clear_error();
	ctl_p11_module_close(m);
	return st != CTL_OK ? st : CTL_E_INTERNAL;
}

CK_FUNCTION_LIST *ctl_p11_module_functions(const ctl_p11_module *m)
{
	return m->fn;
}

size_t ctl_p11_module_nslots(const ctl_p11_module *m)
{
	return m->nslots;
}

void ctl_p11_token_info_free(ctl_token_info *t)
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
		/* A reference, not a copy: X509_dup encodes and decodes again. */
		c->cert = X509_up_ref(certs[i].x509) ? certs[i].x509 : NULL;
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

/* A blank-padded PKCS#11 text field equals s (libp11 drops the padding). */
static bool same_text(const CK_UTF8CHAR *f, size_t n, const char *s)
{
	while (n > 0 && f[n - 1] == ' ')
		n--;
	return s && strlen(s) == n && !memcmp(f, s, n);
}

/* Identity, flags and certificates of the token in a slot.
 * want: a token it rules out is described from what libp11 listed, and
 * nothing more is asked of the module about it (each call can be a round
 * trip to a USB token, and SoftHSM reads the token's files for each);
 * NULL: every token is read.
 * same_list: the slot number comes from libp11's function list and will be
 * used on ours; with the p11-kit proxy those are two lists. The PIN must go
 * to the token chosen and no other: check that both name the same one (a
 * token gone since it was listed is as if absent, *out NULL). */
static ctl_status token_info_get(const ctl_p11_module *m, PKCS11_SLOT *slot,
				 const char *uri_module, const ctl_token_uri *want, bool same_list,
				 ctl_token_info **out, ctl_err *err)
{
	PKCS11_TOKEN *tok = slot->token;
	ctl_token_info *t = calloc(1, sizeof(*t));
	CK_TOKEN_INFO ti;
	CK_RV rv = CKR_GENERAL_ERROR;
	bool wanted;
	ctl_status st = CTL_OK;

	*out = NULL;
	if (!t || !(t->label = xstrdup(tok->label)) ||
	    !(t->manufacturer = xstrdup(tok->manufacturer)) || !(t->model = xstrdup(tok->model)) ||
	    !(t->serial = xstrdup(tok->serialnr))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	t->initialized = tok->initialized;
	wanted = !want || ctl_token_uri_match_token(want, t);
	/* Fresh flags from the module rather than libp11's copy. */
	if (wanted)
		rv = m->fn->C_GetTokenInfo(PKCS11_get_slotid_from_slot(slot), &ti);
	if (wanted && same_list) {
		if (rv != CKR_OK)
			goto out; /* gone since it was listed: as if absent */
		if (!same_text(ti.label, sizeof(ti.label), tok->label) ||
		    !same_text(ti.serialNumber, sizeof(ti.serialNumber), tok->serialnr)) {
			st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
					 "module `%s' shows another token in slot %lu than it showed "
					 "libp11 (`%s'); refusing to guess which token would get the PIN",
					 m->path, (unsigned long)PKCS11_get_slotid_from_slot(slot),
					 tok->label);
			goto out;
		}
	}
	if (rv == CKR_OK)
		ctl_p11_token_state(ti.flags, &t->state);
	else
		ctl_p11_token_state((tok->loginRequired ? CKF_LOGIN_REQUIRED : 0) |
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
	/* Certificates cost a decoding each: not for a token the URI rules out. */
	if (tok->initialized && wanted && (st = read_certs(tok, t, uri_module, err)) != CTL_OK)
		goto out;
	*out = t;
	t = NULL;
out:
	ERR_clear_error();
	ctl_p11_token_info_free(t);
	return st;
}

ctl_status ctl_p11_module_token(const ctl_p11_module *m, size_t i, const char *uri_module,
				const ctl_token_uri *want, ctl_token_info **out, CK_SLOT_ID *slot,
				ctl_err *err)
{
	PKCS11_SLOT *s = &m->slots[i];

	*out = NULL;
	if (!s->token || !s->token->initialized)
		return CTL_OK;
	*slot = PKCS11_get_slotid_from_slot(s);
	return token_info_get(m, s, uri_module, want, true, out, err);
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
		ctl_p11_token_info_free(mo->slots[j].token);
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
	ctl_p11_module *m = NULL;
	ctl_err merr;
	ctl_status st = CTL_OK;

	char abs[4096];
	const char *uri_module = NULL;

	/* URIs carry an absolute module-path so they work from anywhere. */
	if (explicit)
		uri_module = realpath(mo->path, abs) ? abs : mo->path;
	ctl_err_clear(&merr);
	mo->status = ctl_p11_module_open(mo->path, &m, &merr);
	if (mo->status != CTL_OK) {
		snprintf(mo->error, sizeof(mo->error), "%s", merr.msg);
		return CTL_OK;
	}
	if (!(mo->manufacturer = xstrdup(m->ctx->manufacturer)) ||
	    !(mo->description = xstrdup(m->ctx->description)) ||
	    (m->nslots && !(mo->slots = calloc(m->nslots, sizeof(*mo->slots))))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	for (unsigned int i = 0; i < m->nslots; i++) {
		PKCS11_SLOT *s = &m->slots[i];
		ctl_token_slot *so = &mo->slots[mo->nslots++];

		so->id = PKCS11_get_slotid_from_slot(s);
		so->removable = s->removable;
		if (!(so->description = xstrdup(s->description)) ||
		    !(so->manufacturer = xstrdup(s->manufacturer))) {
			st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			goto out;
		}
		if (s->token &&
		    (st = token_info_get(m, s, uri_module, NULL, false, &so->token, err)))
			goto out;
	}
out:
	ctl_p11_module_close(m);
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

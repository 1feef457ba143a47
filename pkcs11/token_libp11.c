/* Token backend, libp11 half: load and initialise modules, list slots and
 * tokens, and read tokens' certificates (on the module's own function list:
 * libp11 makes seven calls per certificate). Nothing here touches a PIN or
 * a private key; that is token_sign.c, on the module's own function list
 * too (see token_impl.h).
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

/* A certificate is read from a file of at most 1 MiB too (ctl_cert_load). */
#define CERT_VALUE_MAX (1u << 20)

/* Note why a token's certificates could not be read, without failing the
 * listing or the search for a key. */
static void cert_note(ctl_token_info *t, CK_RV rv, const char *what)
{
	ctl_err e;

	ctl_err_clear(&e);
	ctl_p11_fail(&e, rv, what, t->label);
	snprintf(t->cert_error, sizeof(t->cert_error), "%s", e.msg);
}

/* One X.509 certificate object: CKA_ID, CKA_LABEL and CKA_VALUE (a missing
 * id or label reads as empty). A certificate that does not decode is
 * skipped (c->cert stays NULL), as libp11 skips it. */
static ctl_status read_cert(CK_FUNCTION_LIST *fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
			    ctl_token_info *t, ctl_token_cert *c, const char *uri_module,
			    const ctl_token_opts *o, ctl_err *err)
{
	static const CK_ULONG max[3] = {4096, 4096, CERT_VALUE_MAX};
	CK_ATTRIBUTE a[3] = {{CKA_ID, NULL, 0}, {CKA_LABEL, NULL, 0}, {CKA_VALUE, NULL, 0}};
	const unsigned char *p;
	ctl_status st = CTL_OK;
	CK_RV rv;

	if (!ctl_p11_get_attrs(fn, s, h, a, 3, max, &rv)) {
		if (rv == CKR_HOST_MEMORY)
			st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		else
			cert_note(t, rv, "reading certificates");
		goto out;
	}
	if ((p = a[2].pValue) && o && o->known_cert)
		c->cert = o->known_cert(o->ctx, p, a[2].ulValueLen);
	if (p && !c->cert)
		c->cert = d2i_X509(NULL, &p, (long)a[2].ulValueLen);
	if (!c->cert)
		goto out;
	c->label = a[1].pValue ? a[1].pValue : strdup("");
	a[1].pValue = NULL;
	c->id = a[0].pValue ? a[0].pValue : malloc(1);
	c->id_len = a[0].ulValueLen;
	a[0].pValue = NULL;
	/* Without type=: the URI names the key and its certificate alike,
	 * which is what `build --sign-with' takes. */
	if (!c->label || !c->id ||
	    !(c->uri = ctl_token_uri_format(t, c->id, c->id_len, c->label, "", uri_module)))
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
out:
	for (int i = 0; i < 3; i++)
		free(a[i].pValue);
	return st;
}

/* Certificates are public objects: read without a login, on our function
 * list (the token's identity in this slot was checked against libp11's).
 * Two calls per certificate where libp11 makes seven, and each call can be a
 * round trip to a USB token. A failure is noted on the token rather than
 * failing the listing. keep: where to hand the session over once they are
 * all read (NULL: it is closed). */
static ctl_status read_certs(const ctl_p11_module *m, CK_SLOT_ID slot, ctl_token_info *t,
			     const char *uri_module, const ctl_token_opts *o,
			     CK_SESSION_HANDLE *keep, ctl_err *err)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	CK_ATTRIBUTE want[] = {{CKA_CLASS, &cls, sizeof(cls)},
			       {CKA_CERTIFICATE_TYPE, &type, sizeof(type)}};
	CK_OBJECT_HANDLE *objs = NULL;
	CK_SESSION_HANDLE s;
	size_t n = 0;
	ctl_status st;
	ctl_err e;
	CK_RV rv;

	rv = m->fn->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK) {
		cert_note(t, rv, "reading certificates");
		return CTL_OK;
	}
	ctl_err_clear(&e);
	st = ctl_p11_find(m->fn, s, t->label, "reading certificates", want, 2, &objs, &n, &e);
	if (st == CTL_E_INTERNAL) {
		*err = e;
		goto out;
	}
	if (st != CTL_OK) {
		snprintf(t->cert_error, sizeof(t->cert_error), "%s", e.msg);
		st = CTL_OK;
		goto out;
	}
	if (n && !(t->certs = calloc(n, sizeof(*t->certs)))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n && st == CTL_OK; i++) {
		ctl_token_cert *c = &t->certs[t->ncerts];

		st = read_cert(m->fn, s, objs[i], t, c, uri_module, o, err);
		/* Counted once it holds a certificate: freed with the token. */
		if (c->cert)
			t->ncerts++;
	}
out:
	if (keep && st == CTL_OK && !t->cert_error[0])
		*keep = s;
	else
		m->fn->C_CloseSession(s);
	free(objs);
	return st;
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
 * The slot number comes from libp11's function list and is used on ours
 * (flags, certificates); with the p11-kit proxy those are two lists, so
 * both must name the same token. same_list: the token will get a PIN on
 * ours, so another token there is refused (and one gone since it was
 * listed is as if absent, *out NULL); otherwise (listing) its certificates
 * are not read, and the token says why. */
static ctl_status token_info_get(const ctl_p11_module *m, PKCS11_SLOT *slot,
				 const char *uri_module, const ctl_token_uri *want, bool same_list,
				 const ctl_token_opts *o, ctl_token_info **out,
				 CK_SESSION_HANDLE *keep, ctl_err *err)
{
	PKCS11_TOKEN *tok = slot->token;
	CK_SLOT_ID id = PKCS11_get_slotid_from_slot(slot);
	ctl_token_info *t = calloc(1, sizeof(*t));
	CK_TOKEN_INFO ti;
	CK_RV rv = CKR_GENERAL_ERROR;
	bool wanted, same;
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
		rv = m->fn->C_GetTokenInfo(id, &ti);
	same = rv == CKR_OK && same_text(ti.label, sizeof(ti.label), tok->label) &&
	       same_text(ti.serialNumber, sizeof(ti.serialNumber), tok->serialnr);
	if (wanted && same_list && !same) {
		if (rv != CKR_OK)
			goto out; /* gone since it was listed: as if absent */
		st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				 "module `%s' shows another token in slot %lu than it showed "
				 "libp11 (`%s'); refusing to guess which token would get the PIN",
				 m->path, (unsigned long)id, tok->label);
		goto out;
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
	/* Certificates cost a decoding each: not for a token the URI rules
	 * out. They are read on our function list: only when it shows the
	 * token libp11 listed in this slot. */
	if (tok->initialized && wanted) {
		if (same)
			st = read_certs(m, id, t, uri_module, o, keep, err);
		else if (rv != CKR_OK)
			cert_note(t, rv, "reading the token's identity before its certificates");
		else
			snprintf(t->cert_error, sizeof(t->cert_error),
				 "not read: module `%s' no longer shows token `%s' in slot %lu as "
				 "it did when listing it",
				 m->path, tok->label, (unsigned long)id);
		if (st != CTL_OK)
			goto out;
	}
	*out = t;
	t = NULL;
out:
	ERR_clear_error();
	ctl_p11_token_info_free(t);
	return st;
}

ctl_status ctl_p11_module_token(const ctl_p11_module *m, size_t i, const char *uri_module,
				const ctl_token_uri *want, const ctl_token_opts *o,
				ctl_token_info **out, CK_SLOT_ID *slot, CK_SESSION_HANDLE *session,
				ctl_err *err)
{
	PKCS11_SLOT *s = &m->slots[i];
	ctl_status st;

	*out = NULL;
	*session = CK_INVALID_HANDLE;
	if (!s->token || !s->token->initialized)
		return CTL_OK;
	*slot = PKCS11_get_slotid_from_slot(s);
	st = token_info_get(m, s, uri_module, want, true, o, out, session, err);
	/* A session only comes with a token. */
	if (*session != CK_INVALID_HANDLE && (st != CTL_OK || !*out)) {
		m->fn->C_CloseSession(*session);
		*session = CK_INVALID_HANDLE;
	}
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
		    (st = token_info_get(m, s, uri_module, NULL, false, NULL, &so->token, NULL, err)))
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

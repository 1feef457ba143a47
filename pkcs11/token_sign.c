/* Token backend, PKCS#11 half: everything that involves a PIN or a key,
 * on the module's own function list and a session of our own (see
 * token_impl.h for the seam with the libp11 half). Fresh C_GetTokenInfo
 * flags right before each C_Login, exact CKR codes, a mechanism chosen from
 * C_GetMechanismList, and no PIN copy kept anywhere (libp11's PKCS11_login
 * stores the PIN for re-login; libp11 0.4.12 also always signs with
 * CKM_RSA_PKCS). No libp11 here: replacing libp11 never touches the lockout
 * rules. */
#include "token.h"
#include "token_impl.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "pin.h"
#include "profiles.h"
#include "secret.h"

void ctl_p11_token_state(CK_FLAGS flags, ctl_token_state *s)
{
	s->login_required = flags & CKF_LOGIN_REQUIRED;
	s->pin_initialized = flags & CKF_USER_PIN_INITIALIZED;
	s->count_low = flags & CKF_USER_PIN_COUNT_LOW;
	s->final_try = flags & CKF_USER_PIN_FINAL_TRY;
	s->locked = flags & CKF_USER_PIN_LOCKED;
	s->to_be_changed = flags & CKF_USER_PIN_TO_BE_CHANGED;
	s->pin_pad = flags & CKF_PROTECTED_AUTHENTICATION_PATH;
}

ctl_status ctl_p11_fail(ctl_err *err, CK_RV rv, const char *what, const char *token)
{
	char d[256];

	ctl_ckr_describe(rv, d, sizeof(d));
	if (token)
		return ctl_err_set(err, ctl_ckr_status(rv), -1, -1, -1, "%s on token `%s': %s",
				   what, token, d);
	return ctl_err_set(err, ctl_ckr_status(rv), -1, -1, -1, "%s: %s", what, d);
}

/* ---- Signer ----------------------------------------------------------- */

struct token_signer {
	ctl_p11_module *mod;
	CK_FUNCTION_LIST *fn;
	CK_SESSION_HANDLE session;
	bool has_session;
	CK_OBJECT_HANDLE key;
	CK_SLOT_ID slot;
	char label[64];
	/* "; its family's PIN policy: ..." from the token profiles, or "" */
	char policy[320];
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
			t->fn->C_CloseSession(t->session);
		ctl_p11_module_close(t->mod);
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
	CK_RV rv = t->fn->C_SignInit(t->session, &m, t->key);

	if (rv != CKR_OK)
		return rv;
	return t->fn->C_Sign(t->session, (CK_BYTE *)data, len, sig, siglen);
}

static ctl_status signer_sign(ctl_signer *s, const EVP_MD *md, const uint8_t *data, size_t len,
			      uint8_t *sig, size_t *siglen, ctl_err *err)
{
	struct token_signer *t = s->impl;
	int nid = EVP_MD_get_type(md);
	int size = EVP_PKEY_get_size(X509_get0_pubkey(s->cert));
	CK_MECHANISM_TYPE hashed = CKM_RSA_PKCS;
	bool has_hashed = false;
	const char *used = "CKM_RSA_PKCS";
	uint8_t di[19 + EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	CK_ULONG out = size > 0 ? (CK_ULONG)size : 0;
	CK_RV rv = CKR_MECHANISM_INVALID;
	size_t k;
	ctl_status st = CTL_OK;

	switch (nid) {
	case NID_sha1:
		hashed = CKM_SHA1_RSA_PKCS, has_hashed = t->mech_sha1, used = "CKM_SHA1_RSA_PKCS";
		break;
	case NID_sha256:
		hashed = CKM_SHA256_RSA_PKCS, has_hashed = t->mech_sha256, used = "CKM_SHA256_RSA_PKCS";
		break;
	case NID_sha384:
		hashed = CKM_SHA384_RSA_PKCS, has_hashed = t->mech_sha384, used = "CKM_SHA384_RSA_PKCS";
		break;
	case NID_sha512:
		hashed = CKM_SHA512_RSA_PKCS, has_hashed = t->mech_sha512, used = "CKM_SHA512_RSA_PKCS";
		break;
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
		used = "CKM_RSA_PKCS";
		rv = sign_once(t, CKM_RSA_PKCS, di, digest_info[k].len + dlen, sig, &out);
	}
	if (rv != CKR_OK) {
		st = ctl_p11_fail(err, rv, "signing failed", t->label);
		goto out;
	}
	*siglen = out;
	if (!ctl_signature_ok(s->cert, md, data, len, sig, out))
		st = ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				 "token `%s' returned a bad signature (%s, %s): it does not "
				 "verify with the certificate stored with the key. The token or its "
				 "PKCS#11 module is faulty, or the key with that id is not the "
				 "certificate's; do not sign with this token",
				 t->label, used, EVP_MD_get0_name(md));
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
	ctl_err_append(err, "\n  %s", uri);
}

/* Where the PIN comes from: a non-interactive source (URI pin-source,
 * --pin-source, --pin-env) or the terminal. */
static const char *pin_source_of(const ctl_token_opts *o, const char *uri_source)
{
	return uri_source ? uri_source : o->pin.source;
}

static bool pin_is_interactive(const ctl_token_opts *o, const char *uri_source)
{
	return !pin_source_of(o, uri_source) && !o->pin.env && o->pin.interactive;
}

/* One PIN attempt left: the same rule for a typed PIN and a PIN pad (a wrong
 * PIN typed on the reader locks the token all the same). Without a terminal
 * there is nobody to confirm: refuse, no login. On a terminal: type `yes'
 * (not echoed, like the PIN). */
static ctl_status final_try_confirm(const ctl_token_opts *o, const char *uri_source,
				    bool pin_pad, const char *label, const char *policy,
				    ctl_err *err)
{
	const char *where = pin_pad ? " (the PIN is entered on the reader)" : "";
	char answer[16] = "";
	char prompt[256];
	ctl_prompt_fn fn = o->prompt ? o->prompt : ctl_pin_tty_prompt;
	ctl_status st;

	if (!pin_is_interactive(o, uri_source))
		return ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				   "Only one PIN attempt left on token `%s'%s. Cancelling login "
				   "to avoid locking it. Log in once interactively with the "
				   "right PIN (or with SafeNet Authentication Client) to reset "
				   "the counter%s.",
				   label, where, policy);
	snprintf(prompt, sizeof(prompt),
		 "Only one PIN attempt left on token `%s': a wrong PIN locks it for good.\n"
		 "Type `yes' to %s: ",
		 label, pin_pad ? "enter the PIN on the reader" : "try anyway");
	st = fn(o->ctx, prompt, false, answer, sizeof(answer), err);
	if (st == CTL_E_TOKEN) {
		char why[CTL_ERR_MSG];

		snprintf(why, sizeof(why), "%s", err->msg);
		return ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				   "Only one PIN attempt left on token `%s'%s, and no way to confirm "
				   "(%s). Cancelling login to avoid locking it%s.",
				   label, where, why, policy);
	}
	if (st != CTL_OK)
		return st;
	if (strcmp(answer, "yes"))
		return ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				   "login to token `%s' cancelled: only one PIN attempt left%s", label,
				   where);
	return CTL_OK;
}

/* Get the PIN for one login attempt (attempt 0 is the first). Non-terminal
 * sources are only ever read for attempt 0. */
static ctl_status get_pin(const ctl_token_opts *o, const char *uri_source, const char *label,
			  int attempt, ctl_pin *pin, ctl_err *err)
{
	const char *source = pin_source_of(o, uri_source);
	char warn[CTL_ERR_MSG + 64];
	char prompt[160];
	ctl_status st;

	if (source || o->pin.env) {
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
	snprintf(prompt, sizeof(prompt), "PIN for token `%s': ", label);
	return ctl_pin_from_prompt(pin, o->prompt, o->ctx, prompt, err);
}

/* Log in to the one selected token, following the lockout rules. */
static ctl_status login(struct token_signer *t, const ctl_token_opts *o, const char *uri_source,
			ctl_err *err)
{
	CK_FUNCTION_LIST *fn = t->fn;
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
			st = ctl_p11_fail(err, rv, "reading token state", t->label);
			goto out;
		}
		ctl_p11_token_state(ti.flags, &fs);
		if (fn->C_GetSessionInfo(t->session, &si) == CKR_OK &&
		    (si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS))
			goto out;
		if (!fs.login_required)
			goto out;
		if (fs.locked && have_first) {
			/* This run's last wrong PIN is what locked it. */
			st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
					 "%s; the user PIN of token `%s' is now locked. Unlock it "
					 "with the administrator (SO) PIN in SafeNet Authentication "
					 "Client, or use another token%s",
					 first.msg, t->label, t->policy);
			goto out;
		}
		if (fs.locked) {
			st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
					 "the user PIN of token `%s' is locked; no login was tried. "
					 "Unlock it with the administrator (SO) PIN in SafeNet "
					 "Authentication Client, or use another token%s",
					 t->label, t->policy);
			goto out;
		}
		if (fs.count_low && attempt == 0)
			warnf(o,
			      "token `%s': a wrong PIN was entered since its last successful login "
			      "(PIN count low); a few more wrong PINs lock it for good%s",
			      t->label, t->policy);
		/* The final-try rule before anything else, PIN pad or not. */
		if (fs.final_try) {
			st = final_try_confirm(o, uri_source, fs.pin_pad, t->label, t->policy, err);
			if (st != CTL_OK)
				goto out;
		}
		if (fs.pin_pad) {
			warnf(o, "enter the PIN for token `%s' on the reader%s", t->label,
			      pin_source_of(o, uri_source) || o->pin.env
				      ? " (the PIN source given is not used: the reader has a PIN pad)"
				      : "");
			rv = fn->C_Login(t->session, CKU_USER, NULL, 0);
		} else {
			ctl_err perr;

			ctl_err_clear(&perr);
			st = get_pin(o, uri_source, t->label, attempt, &pin,
				     have_first ? &perr : err);
			if (st != CTL_OK) {
				if (have_first)
					*err = first;
				goto out;
			}
			rv = fn->C_Login(t->session, CKU_USER, (CK_UTF8CHAR *)pin.buf, pin.len);
			ctl_secret_wipe(pin.buf, sizeof(pin.buf));
			pin.len = 0;
		}
		if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
			st = CTL_OK;
			goto out;
		}
		st = ctl_p11_fail(err, rv, "login failed", t->label);
		/* A PIN pad is not retried: the next try would be typed blind on
		 * the reader, without this program seeing the flags first. */
		if (fs.pin_pad)
			goto out;
		if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE) {
			if (!pin_is_interactive(o, uri_source)) {
				ctl_err_append(err, "; a PIN from a file or the environment is "
					       "never retried");
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

/* The signing mechanisms the token offers. One call when the list fits in
 * 128 entries (SoftHSM lists 70), the size first otherwise. */
static void mechanisms(struct token_signer *t)
{
	CK_MECHANISM_TYPE fixed[128], *list = fixed;
	CK_ULONG n = sizeof(fixed) / sizeof(fixed[0]);
	CK_RV rv = t->fn->C_GetMechanismList(t->slot, list, &n);

	if (rv == CKR_BUFFER_TOO_SMALL) {
		n = 0;
		if (t->fn->C_GetMechanismList(t->slot, NULL, &n) != CKR_OK || n == 0 ||
		    !(list = calloc(n, sizeof(*list))))
			return;
		rv = t->fn->C_GetMechanismList(t->slot, list, &n);
	}
	if (rv == CKR_OK) {
		for (CK_ULONG i = 0; i < n; i++) {
			t->mech_rsa |= list[i] == CKM_RSA_PKCS;
			t->mech_sha1 |= list[i] == CKM_SHA1_RSA_PKCS;
			t->mech_sha256 |= list[i] == CKM_SHA256_RSA_PKCS;
			t->mech_sha384 |= list[i] == CKM_SHA384_RSA_PKCS;
			t->mech_sha512 |= list[i] == CKM_SHA512_RSA_PKCS;
		}
	}
	if (list != fixed)
		free(list);
}

/* Objects a token may list before a search is given up as broken. */
#define MAX_OBJECTS 100000

ctl_status ctl_p11_find(CK_FUNCTION_LIST *fn, CK_SESSION_HANDLE s, const char *token,
			const char *what, CK_ATTRIBUTE *tmpl, CK_ULONG ntmpl,
			CK_OBJECT_HANDLE **out, size_t *n, ctl_err *err)
{
	CK_OBJECT_HANDLE batch[64], *all = NULL, *p;
	CK_ULONG got = 0;
	size_t count = 0;
	ctl_status st = CTL_OK;
	CK_RV rv;

	*out = NULL;
	*n = 0;
	rv = fn->C_FindObjectsInit(s, tmpl, ntmpl);
	if (rv != CKR_OK)
		return ctl_p11_fail(err, rv, what, token);
	for (;;) {
		rv = fn->C_FindObjects(s, batch, 64, &got);
		if (rv != CKR_OK) {
			st = ctl_p11_fail(err, rv, what, token);
			break;
		}
		if (got == 0)
			break;
		if (got > 64 || count + got > MAX_OBJECTS) {
			st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
					 "token `%s' lists more objects than it can hold (over %d, "
					 "or %lu in a batch of 64); its module is broken",
					 token, MAX_OBJECTS, (unsigned long)got);
			break;
		}
		if (!(p = realloc(all, (count + got) * sizeof(*all)))) {
			st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			break;
		}
		all = p;
		memcpy(all + count, batch, got * sizeof(*batch));
		count += got;
	}
	fn->C_FindObjectsFinal(s);
	if (st != CTL_OK) {
		free(all);
		return st;
	}
	*out = all;
	*n = count;
	return CTL_OK;
}

static ctl_status find_all(struct token_signer *t, CK_ATTRIBUTE *tmpl, CK_ULONG ntmpl,
			   CK_OBJECT_HANDLE **out, size_t *n, ctl_err *err)
{
	return ctl_p11_find(t->fn, t->session, t->label, "looking for keys", tmpl, ntmpl, out, n,
			    err);
}

static bool attrs_rv_ok(CK_RV rv)
{
	/* Not every attribute need exist: the module still gives the others. */
	return rv == CKR_OK || rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE;
}

bool ctl_p11_get_attrs(CK_FUNCTION_LIST *fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		       CK_ATTRIBUTE *a, size_t n, const CK_ULONG *max, CK_RV *rv)
{
	for (size_t i = 0; i < n; i++) {
		a[i].pValue = NULL;
		a[i].ulValueLen = 0;
	}
	if (!attrs_rv_ok(*rv = fn->C_GetAttributeValue(s, o, a, n)))
		return false;
	for (size_t i = 0; i < n; i++) {
		CK_ULONG len = a[i].ulValueLen;

		if (len == CK_UNAVAILABLE_INFORMATION || len > max[i]) {
			a[i].ulValueLen = 0;
			continue;
		}
		if (!(a[i].pValue = calloc(1, len + 1))) {
			*rv = CKR_HOST_MEMORY;
			return false;
		}
	}
	if (!attrs_rv_ok(*rv = fn->C_GetAttributeValue(s, o, a, n)))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!a[i].pValue || a[i].ulValueLen == CK_UNAVAILABLE_INFORMATION) {
			free(a[i].pValue);
			a[i].pValue = NULL;
			a[i].ulValueLen = 0;
		}
	return true;
}

/* The private keys the URI names that have one of the candidate
 * certificates' ids, among those the token shows now (before a login: only
 * the ones it shows to anyone). */
struct keys {
	size_t listed;          /* private keys the token showed at all */
	size_t found;           /* of them, matching */
	CK_OBJECT_HANDLE key;   /* the first match */
	size_t which;           /* its certificate */
	char *uris[8];
	size_t nuris;
};

static void keys_free(struct keys *k)
{
	for (size_t i = 0; i < k->nuris; i++)
		free(k->uris[i]);
	memset(k, 0, sizeof(*k));
}

static ctl_status match_keys(struct token_signer *t, const ctl_token_uri *u,
			     const ctl_token_info *ti, const bool *cert_ok, const char *uri_module,
			     struct keys *k, ctl_err *err)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}};
	CK_OBJECT_HANDLE *objs = NULL;
	size_t nobj = 0;
	ctl_status st;

	keys_free(k);
	if ((st = find_all(t, tmpl, 1, &objs, &nobj, err)) != CTL_OK)
		return st;
	k->listed = nobj;
	for (size_t i = 0; i < nobj; i++) {
		static const CK_ULONG max[2] = {65536, 65536};
		CK_ATTRIBUTE a[2] = {{CKA_ID, NULL, 0}, {CKA_LABEL, NULL, 0}};
		CK_RV rv;
		/* A key whose id and label the token does not give is not the one. */
		bool read = ctl_p11_get_attrs(t->fn, t->session, objs[i], a, 2, max, &rv);
		const uint8_t *id = read ? a[0].pValue : NULL;
		const char *label = read ? a[1].pValue : NULL;
		size_t id_len = a[0].ulValueLen, c = ti->ncerts;

		/* type=cert names the key through its certificate's id/label */
		if (id && label && ctl_token_uri_match_object(u, id, id_len, label, NULL))
			for (c = 0; c < ti->ncerts; c++)
				if (cert_ok[c] && ti->certs[c].id_len == id_len &&
				    !memcmp(ti->certs[c].id, id, id_len))
					break;
		if (c < ti->ncerts) {
			if (k->found == 0) {
				k->key = objs[i];
				k->which = c;
			}
			if (k->nuris < 8)
				k->uris[k->nuris++] = ctl_token_uri_format(
					ti, id, id_len, label, "private", uri_module);
			k->found++;
		}
		free(a[0].pValue);
		free(a[1].pValue);
	}
	free(objs);
	return CTL_OK;
}

static ctl_status ambiguous_keys(struct token_signer *t, const struct keys *k, ctl_err *err)
{
	ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
		    "the URI matches %zu keys on token `%s'; add id= or object= to choose one of:",
		    k->found, t->label);
	for (size_t i = 0; i < k->nuris; i++)
		append_line(err, k->uris[i] ? k->uris[i] : "(out of memory)");
	return CTL_E_USAGE;
}

/* Before any login: settle what the public objects allow. Some tokens show
 * their private keys to anyone; a public key with the certificate's id
 * stands for its private key (PKCS#11 key pairs share CKA_ID). A token that
 * shows private keys, none of them this one, and no public key with its id,
 * does not hold the key: no PIN is spent finding that out. Otherwise the key
 * may just be hidden until the login. */
static ctl_status keys_before_login(struct token_signer *t, const ctl_token_uri *u,
				    const ctl_token_info *ti, const bool *cert_ok,
				    const char *uri_module, ctl_err *err)
{
	struct keys k = {0};
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_OBJECT_HANDLE *objs = NULL;
	size_t c, npub = 0;
	char hex[2 * 16 + 4] = "";
	ctl_err serr;
	ctl_status st = CTL_OK;

	ctl_err_clear(&serr);
	/* Some tokens refuse searches before a login: then nothing is known. */
	if (match_keys(t, u, ti, cert_ok, uri_module, &k, &serr) != CTL_OK)
		goto out;
	if (k.found > 1) {
		st = ambiguous_keys(t, &k, err);
		goto out;
	}
	if (k.found == 1 || k.listed == 0)
		goto out;
	for (c = 0; c < ti->ncerts && !cert_ok[c]; c++)
		;
	if (c == ti->ncerts)
		goto out;
	{
		CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)},
				       {CKA_ID, ti->certs[c].id, ti->certs[c].id_len}};

		if (find_all(t, tmpl, 2, &objs, &npub, &serr) != CTL_OK)
			goto out;
	}
	if (npub > 0)
		goto out;
	ctl_hex_encode(ti->certs[c].id, ti->certs[c].id_len < 16 ? ti->certs[c].id_len : 16, 0,
		       false, hex, sizeof(hex));
	st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
			 "no private key on token `%s' matches the URI and has a certificate "
			 "with the same id: the token shows %zu private key%s before any login, "
			 "none with id %s%s, and no public key has that id. No PIN was asked for",
			 t->label, k.listed, k.listed == 1 ? "" : "s", hex,
			 ti->certs[c].id_len > 16 ? "..." : "");
out:
	free(objs);
	keys_free(&k);
	return st;
}

/* After the login: the one private key the URI names among all keys that
 * have one of the candidate certificates' ids. */
static ctl_status find_key(struct token_signer *t, const ctl_token_uri *u,
			   const ctl_token_info *ti, const bool *cert_ok, size_t *which,
			   const char *uri_module, ctl_err *err)
{
	struct keys k = {0};
	ctl_status st;

	if ((st = match_keys(t, u, ti, cert_ok, uri_module, &k, err)) != CTL_OK)
		goto out;
	if (k.found == 0)
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "no private key on token `%s' matches the URI and has a certificate "
				 "with the same id (%zu private key%s on the token)",
				 t->label, k.listed, k.listed == 1 ? "" : "s");
	else if (k.found > 1)
		st = ambiguous_keys(t, &k, err);
	else {
		t->key = k.key;
		*which = k.which;
	}
out:
	keys_free(&k);
	return st;
}

struct candidate {
	size_t mod;
	CK_SLOT_ID slot;
	ctl_token_info *info;
	CK_SESSION_HANDLE session;      /* its certificates were read in; or CK_INVALID_HANDLE */
};

/* What the token profiles say of the token's family (profiles.h): the
 * RSA sizes it signs with (any of the families it may be), and its PIN
 * policy (when they all agree), for the lockout messages. Before any
 * login: a key the family cannot sign with costs no PIN try. Profiles that
 * do not load leave both unknown, with a warning. */
static ctl_status family_check(const ctl_token_opts *o, const ctl_token_info *ti, X509 *cert,
			       char *policy, size_t n, ctl_err *err)
{
	const ctl_profile *fam[16];
	ctl_profile_set *set = NULL;
	EVP_PKEY *pk = X509_get0_pubkey(cert);
	unsigned bits = pk ? (unsigned)EVP_PKEY_get_bits(pk) : 0, sizes[32];
	char first[256] = "", words[256], list[200] = "", names[384] = "";
	size_t nfam, nsizes = 0, o_nm = 0, o_ls = 0;
	bool can = false, same = true;
	ctl_err perr;
	ctl_status st = CTL_OK;

	policy[0] = '\0';
	ctl_err_clear(&perr);
	if (ctl_profiles_load_default(&set, &perr) != CTL_OK) {
		warnf(o, "token profiles: %s; the PIN policy and key sizes of token `%s' are not "
		      "known", perr.msg, ti->label);
		return CTL_OK;
	}
	nfam = ctl_profiles_families(set, ti->manufacturer, ti->model, fam, 16);
	if (nfam > 16)
		nfam = 16;
	for (size_t i = 0; i < nfam; i++) {
		can |= ctl_profile_signs_with(fam[i], bits);
		ctl_profile_pin_policy(fam[i], words, sizeof(words));
		if (!i)
			snprintf(first, sizeof(first), "%s", words);
		else if (strcmp(first, words))
			same = false;
		if (o_nm < sizeof(names))
			o_nm += (size_t)snprintf(names + o_nm, sizeof(names) - o_nm, "%s%s",
						 i ? (i + 1 == nfam ? " or " : ", ") : "", fam[i]->name);
		/* Every size any of them signs with, in order, once. */
		for (size_t k = 0; k < fam[i]->n_key_sizes; k++) {
			size_t at = 0;

			while (at < nsizes && sizes[at] < fam[i]->key_sizes[k])
				at++;
			if ((at < nsizes && sizes[at] == fam[i]->key_sizes[k]) || nsizes == 32)
				continue;
			memmove(sizes + at + 1, sizes + at, (nsizes - at) * sizeof(*sizes));
			sizes[at] = fam[i]->key_sizes[k];
			nsizes++;
		}
	}
	for (size_t k = 0; k < nsizes && o_ls < sizeof(list); k++)
		o_ls += (size_t)snprintf(list + o_ls, sizeof(list) - o_ls, "%s%u",
					 !k ? "" : k + 1 == nsizes ? " or " : ", ", sizes[k]);
	if (nfam && same)
		snprintf(policy, n, " (its family's PIN policy, from the token profiles: %s)", first);
	if (nfam && pk && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA && !can)
		st = ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				 "token `%s' is a %s, which signs with RSA keys of %s bits only "
				 "(key_sizes in its token profile); its certificate holds a %u-bit "
				 "key. No PIN was asked for",
				 ti->label, names, list, bits);
	ctl_profiles_free(set);
	return st;
}

ctl_status ctl_token_signer_open(const ctl_token_opts *o, ctl_signer **out, ctl_err *err)
{
	ctl_token_uri *u = NULL;
	ctl_p11_module **mods = NULL;
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
	char policy[320] = "";
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
		size_t mi = nmods;
		CK_FUNCTION_LIST *fn;
		ctl_err e;

		ctl_err_clear(&e);
		if (ctl_p11_module_open(paths[i], &mods[mi], &e) != CTL_OK) {
			if (loaderr.status == CTL_OK)
				loaderr = e;
			continue;
		}
		nmods++;
		fn = ctl_p11_module_functions(mods[mi]);
		for (size_t j = 0; j < ctl_p11_module_nslots(mods[mi]); j++) {
			ctl_token_info *info = NULL;
			CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
			CK_SLOT_ID slot = 0;

			if ((st = ctl_p11_module_token(mods[mi], j, uri_module, u, o, &info, &slot,
						       &session, err)))
				goto out;
			if (!info)
				continue;
			present++;
			if (!ctl_token_uri_match_token(u, info) || ncand == 16) {
				if (session != CK_INVALID_HANDLE)
					fn->C_CloseSession(session);
				ctl_p11_token_info_free(info);
				continue;
			}
			cand[ncand++] = (struct candidate){mi, slot, info, session};
		}
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

	for (size_t c = 0; c < sel->ncerts; c++)
		if (cert_ok[c] && (st = family_check(o, sel, sel->certs[c].cert, policy,
						     sizeof(policy), err)) != CTL_OK)
			goto out;
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
	mods[cand[0].mod] = NULL;
	t->fn = ctl_p11_module_functions(t->mod);
	t->slot = cand[0].slot;
	snprintf(t->label, sizeof(t->label), "%s", sel->label);
	snprintf(t->policy, sizeof(t->policy), "%s", policy);
	s->impl = t;
	s->sign = signer_sign;
	s->free = signer_free;
	/* The session its certificates were read in, when there is one. */
	if (cand[0].session != CK_INVALID_HANDLE) {
		t->session = cand[0].session;
		cand[0].session = CK_INVALID_HANDLE;
	} else if ((rv = t->fn->C_OpenSession(t->slot, CKF_SERIAL_SESSION, NULL, NULL,
					       &t->session)) != CKR_OK) {
		st = ctl_p11_fail(err, rv, "cannot open a session", t->label);
		goto out;
	}
	t->has_session = true;
	if ((st = keys_before_login(t, u, sel, cert_ok, uri_module, err)) != CTL_OK)
		goto out;
	if ((st = login(t, o, uri_source, err)) != CTL_OK)
		goto out;
	if ((st = find_key(t, u, sel, cert_ok, &which, uri_module, err)) != CTL_OK)
		goto out;
	mechanisms(t);
	if (!X509_up_ref(sel->certs[which].cert)) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	s->cert = sel->certs[which].cert;
	snprintf(s->desc, sizeof(s->desc), "%s", sel->certs[which].uri);
	*out = s;
	s = NULL;
out:
	signer_free(s);
	for (size_t i = 0; i < ncand; i++) {
		if (cand[i].session != CK_INVALID_HANDLE && mods[cand[i].mod])
			ctl_p11_module_functions(mods[cand[i].mod])->C_CloseSession(cand[i].session);
		ctl_p11_token_info_free(cand[i].info);
	}
	for (size_t i = 0; i < nmods; i++)
		ctl_p11_module_close(mods[i]);
	free(mods);
	free(cert_ok);
	ctl_token_strv_free(paths, npaths);
	ctl_token_strv_free(names, npaths);
	ctl_token_uri_free(u);
	ERR_clear_error();
	return st;
}

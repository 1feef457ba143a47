/* Token access: the one interface the rest of ctlsign uses for PKCS#11
 * tokens. The libraries underneath (libp11 for loading and listing, in
 * token_libp11.c; the module's own functions for PINs and keys, in
 * token_sign.c) stay behind it, so nothing here names a libp11 or PKCS#11
 * type. Like all core
 * code it never prints: warnings go through a callback, errors into ctl_err. */
#ifndef CTLSIGN_TOKEN_H
#define CTLSIGN_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "err.h"
#include "signer.h"

/* ---- Listing ---------------------------------------------------------- */

typedef struct ctl_token_cert {
	char *label;            /* CKA_LABEL, may be "" */
	uint8_t *id;            /* CKA_ID */
	size_t id_len;
	X509 *cert;             /* owned */
	char *uri;              /* pkcs11: URI of the object (no PIN) */
} ctl_token_cert;

/* PIN and reader state from the token flags, as last read. */
typedef struct ctl_token_state {
	bool login_required;
	bool pin_initialized;
	bool count_low;         /* a wrong PIN was entered since the last good one */
	bool final_try;         /* one more wrong PIN locks the token */
	bool locked;
	bool to_be_changed;
	bool pin_pad;           /* PIN is entered on the reader */
} ctl_token_state;

typedef struct ctl_token_info {
	char *label;            /* trailing blanks removed; raw bytes, maybe not UTF-8 */
	char *manufacturer;
	char *model;
	char *serial;
	bool initialized;       /* CKF_TOKEN_INITIALIZED */
	ctl_token_state state;
	char *uri;              /* pkcs11: URI of the token (no PIN) */
	size_t ncerts;
	ctl_token_cert *certs;
	char cert_error[CTL_ERR_MSG]; /* "" or why the certificates could not be read */
} ctl_token_info;

typedef struct ctl_token_slot {
	unsigned long id;       /* unstable across re-plugs: for display only */
	char *description;
	char *manufacturer;
	bool removable;
	ctl_token_info *token;  /* NULL when no token is present */
} ctl_token_slot;

typedef struct ctl_token_module {
	char *path;             /* what was loaded */
	char *name;             /* p11-kit registry name, NULL for --module */
	char *manufacturer;     /* library info, NULL when loading failed */
	char *description;
	ctl_status status;      /* CTL_OK, or why the module is unusable */
	char error[CTL_ERR_MSG];
	size_t nslots;
	ctl_token_slot *slots;
} ctl_token_module;

typedef struct ctl_token_list {
	size_t nmodules;
	ctl_token_module *modules;
	/* A registry-level complaint from p11-kit (e.g. a registered module it
	 * could not load), "" if none. */
	char registry_error[CTL_ERR_MSG];
} ctl_token_list;

/* Enumerate every slot, token and certificate of the given modules (no
 * login). With nmodules == 0 the modules registered with p11-kit are used
 * (trust-policy modules skipped). A module that fails to load or initialise
 * is recorded in its entry and the others are still listed; the call itself
 * fails only for out-of-memory or a broken registry. */
ctl_status ctl_token_enumerate(const char *const *modules, size_t nmodules,
			       ctl_token_list **out, ctl_err *err);
void ctl_token_list_free(ctl_token_list *l);

/* Modules registered with p11-kit (registry.c), minus trust-policy ones:
 * malloc'd paths.
 * *load_error gets p11-kit's last complaint ("" if none). */
ctl_status ctl_token_registry(char ***paths, char ***names, size_t *n,
			      char *load_error, size_t load_error_sz, ctl_err *err);
void ctl_token_strv_free(char **v, size_t n);

/* ---- Signing ---------------------------------------------------------- */

/* Where a PIN may come from. A PIN is never taken from argv. */
typedef struct ctl_pin_opts {
	const char *source;     /* "file:PATH", a path, or "-" (stdin); NULL: none */
	const char *env;        /* name of an environment variable; NULL: none */
	bool interactive;       /* may prompt on the terminal */
} ctl_pin_opts;

/* Ask the user something on the terminal. With echo false the answer is a
 * secret. Returns CTL_OK and a NUL-terminated answer in buf, or an error
 * (CTL_E_INTERRUPTED when the user gave up). */
typedef ctl_status (*ctl_prompt_fn)(void *ctx, const char *prompt, bool echo,
				     char *buf, size_t bufsz, ctl_err *err);

typedef struct ctl_token_opts {
	const char *uri;        /* RFC 7512 URI choosing token and key */
	const char *module;     /* --module PATH; NULL: URI module-path, else p11-kit registry */
	ctl_pin_opts pin;       /* used when the URI has no pin-source */
	/* Warnings (PIN count low, loose PIN file, "enter the PIN on the
	 * reader"); NULL: dropped. */
	void (*warn)(void *ctx, const char *msg);
	/* Interactive questions; NULL: the terminal (readpassphrase). */
	ctl_prompt_fn prompt;
	/* Called with the chosen certificate before any login: an error stops
	 * there, so a token that cannot sign this file costs no PIN try.
	 * NULL: no check. */
	ctl_status (*check_cert)(void *ctx, X509 *cert, ctl_err *err);
	/* A certificate the caller already holds decoded, by its DER: a new
	 * reference to it, or NULL (then it is decoded here). Decoding a
	 * certificate costs more than the rest of reading it. NULL: none. */
	X509 *(*known_cert)(void *ctx, const uint8_t *der, size_t len);
	void *ctx;
} ctl_token_opts;

/* Open the key chosen by o->uri as a ctl_signer: exactly one token and one
 * key must match (CTL_E_USAGE listing the candidates' URIs otherwise); log in
 * to that token only, with the lockout rules of docs/tokens.md; find the
 * certificate with the key's id. Errors: CTL_E_TOKEN (PIN/login),
 * CTL_E_NOTOKEN (token absent or removed), CTL_E_USAGE (bad URI/options). */
ctl_status ctl_token_signer_open(const ctl_token_opts *o, ctl_signer **out, ctl_err *err);

/* ---- URIs (uri.c, over p11-kit) --------------------------------------- */

typedef struct ctl_token_uri ctl_token_uri;

/* Parse an RFC 7512 URI. Attributes other than token, serial, manufacturer,
 * model, id, object, type and queries other than module-path and pin-source
 * are refused by name; a PIN value in the URI is refused. */
ctl_status ctl_token_uri_parse(const char *s, ctl_token_uri **out, ctl_err *err);
void ctl_token_uri_free(ctl_token_uri *u);
const char *ctl_token_uri_module_path(const ctl_token_uri *u);
const char *ctl_token_uri_pin_source(const ctl_token_uri *u);
/* The URI's type= ("private", "cert", "public", "data", "secret-key"), NULL if none. */
const char *ctl_token_uri_type(const ctl_token_uri *u);
bool ctl_token_uri_match_token(const ctl_token_uri *u, const ctl_token_info *t);
/* type is "private", "cert", "public"...; a URI without type= matches any,
 * and type NULL matches any URI type. */
bool ctl_token_uri_match_object(const ctl_token_uri *u, const uint8_t *id, size_t id_len,
				const char *label, const char *type);
/* pkcs11: URI for a token, or an object on it when type is non-NULL ("" for
 * an object URI without type=).
 * module_path is added as a query when non-NULL. malloc'd, NULL on OOM. */
char *ctl_token_uri_format(const ctl_token_info *t, const uint8_t *id, size_t id_len,
			   const char *object, const char *type, const char *module_path);

/* ---- CKR codes (ckr.c) ------------------------------------------------ */

/* "CKR_PIN_INCORRECT (0xa0): The password or PIN is incorrect". */
const char *ctl_ckr_describe(unsigned long rv, char *buf, size_t n);
/* The ctl_status a CKR code maps to (removal codes -> CTL_E_NOTOKEN). */
ctl_status ctl_ckr_status(unsigned long rv);

#endif

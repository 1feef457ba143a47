/* Private to pkcs11/: the seam between the two halves of the token backend.
 *
 * token_libp11.c (the only file that includes <libp11.h>) loads and
 * initialises modules and lists slots, tokens and certificates.
 * token_sign.c does everything that involves a PIN or a key (fresh flags,
 * the lockout rules, C_Login, the key search, mechanisms, C_Sign) on the
 * module's own CK_FUNCTION_LIST. No libp11 type appears here, so replacing
 * libp11 never touches the lockout logic. */
#ifndef CTLSIGN_TOKEN_IMPL_H
#define CTLSIGN_TOKEN_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include <p11-kit/pkcs11.h>

#include "token.h"

/* A loaded and initialised module with its slot list. */
typedef struct ctl_p11_module ctl_p11_module;

/* Load path, initialise it and list its slots. Errors name the path. */
ctl_status ctl_p11_module_open(const char *path, ctl_p11_module **out, ctl_err *err);
/* Finalise (what this process initialised) and unload; NULL is fine. */
void ctl_p11_module_close(ctl_p11_module *m);
/* The function list to call: initialised, and the one libp11 uses when the
 * module hands out a single list. */
CK_FUNCTION_LIST *ctl_p11_module_functions(const ctl_p11_module *m);
size_t ctl_p11_module_nslots(const ctl_p11_module *m);
/* The initialised token in slot i, with its certificates (read without a
 * login) when it matches want (NULL: any); *out is NULL when the slot holds
 * none. uri_module goes into the URIs as module-path (NULL: none). A token
 * want rules out is described from libp11's listing only: no call to the
 * module about it. o->known_cert, when set, stands for decoding the
 * certificates the caller holds already. *session is the session they were
 * read in, left open for the caller to sign in (and to close), or
 * CK_INVALID_HANDLE: one session per token, not one to read and one to
 * sign, each a round trip. */
ctl_status ctl_p11_module_token(const ctl_p11_module *m, size_t i, const char *uri_module,
				const ctl_token_uri *want, const ctl_token_opts *o,
				ctl_token_info **out, CK_SLOT_ID *slot, CK_SESSION_HANDLE *session,
				ctl_err *err);
void ctl_p11_token_info_free(ctl_token_info *t);

/* Every object matching tmpl in session s: C_FindObjects until it hands
 * out none, as a token may hold more objects than any one batch; *out is
 * the caller's to free. Errors say WHAT on token TOKEN; a module listing
 * more than 100 000 objects is taken as broken. */
ctl_status ctl_p11_find(CK_FUNCTION_LIST *fn, CK_SESSION_HANDLE s, const char *token,
			const char *what, CK_ATTRIBUTE *tmpl, CK_ULONG ntmpl,
			CK_OBJECT_HANDLE **out, size_t *n, ctl_err *err);
/* Attributes of one object in two calls, their sizes then their values
 * (each call can be a round trip to a USB token). Each value comes back
 * malloc'd with a NUL after it, in a[i].pValue and a[i].ulValueLen; one the
 * module does not give (absent, sensitive, or longer than max[i]) comes
 * back NULL with length 0. False, with *rv, when a call fails otherwise
 * (CKR_HOST_MEMORY: out of memory). The caller frees the values either way. */
bool ctl_p11_get_attrs(CK_FUNCTION_LIST *fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		       CK_ATTRIBUTE *a, size_t n, const CK_ULONG *max, CK_RV *rv);

/* Token flags as ctl_token_state. */
void ctl_p11_token_state(CK_FLAGS flags, ctl_token_state *s);
/* Record a failed PKCS#11 call: "WHAT on token `T': CKR_X (0x..): text". */
ctl_status ctl_p11_fail(ctl_err *err, CK_RV rv, const char *what, const char *token);

#endif

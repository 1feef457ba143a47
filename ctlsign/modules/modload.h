/* ctlsign's own modules: the token code (PKCS#11, PC/SC) and the network
 * code (libcurl) are shared objects that the binary loads only for the
 * commands that use them, so that verify, show, check and build with a key
 * file never map those libraries (docs/benchmarks.md). The stubs in this
 * folder keep the functions' names and types: callers do not know.
 *
 * Core code: errors come back as CTL_E_MODULE naming the file and dlerror(). */
#ifndef CTLSIGN_MODLOAD_H
#define CTLSIGN_MODLOAD_H

#include "err.h"

#include <stdbool.h>

typedef enum {
	CTL_MOD_TOKEN, /* ctlsign-token.so: pkcs11/ (libp11, p11-kit, PC/SC) */
	CTL_MOD_NET,   /* ctlsign-net.so: downloads (libcurl) */
	CTL_MOD_COUNT
} ctl_mod;

/* The function `name' of the module, loading it on first use (thread-safe).
 * NULL with err filled (CTL_E_MODULE) when it cannot be loaded. */
void *ctl_mod_sym(ctl_mod m, const char *name, ctl_err *err);
/* The same without loading: NULL when the module is not loaded (so nothing
 * it allocated can exist: what frees its objects has nothing to do). */
void *ctl_mod_sym_loaded(ctl_mod m, const char *name);

/* A stub's body: call the module's function of the same name and type. */
#define CTL_MOD_CALL(m, fn, err, fail, ...)                                              \
	do {                                                                             \
		__typeof__(fn) *impl_ = (__typeof__(fn) *)ctl_mod_sym((m), #fn, (err));  \
		if (!impl_)                                                              \
			return (fail);                                                   \
		return impl_(__VA_ARGS__);                                               \
	} while (0)

#endif

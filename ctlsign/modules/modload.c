/* Finding and loading ctlsign's modules (modload.h). */
#include "modload.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef CTLSIGN_PKGLIBDIR
#define CTLSIGN_PKGLIBDIR "/usr/local/lib/ctlsign"
#endif

static const struct {
	const char *file;
	const char *what;
} mods[CTL_MOD_COUNT] = {
	[CTL_MOD_TOKEN] = {"ctlsign-token.so", "token module (PKCS#11 and PC/SC)"},
	[CTL_MOD_NET] = {"ctlsign-net.so", "network module (libcurl)"},
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *handle[CTL_MOD_COUNT];

/* Where the module is: beside a binary in a build tree (build/ctlsign), in
 * PREFIX/lib/ctlsign beside an installed one whatever PREFIX it was built
 * for (PREFIX/bin), else where the build put it. The first that exists. */
static void module_path(ctl_mod m, char *buf, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (len > 0) {
		exe[len] = '\0';
		if ((slash = strrchr(exe, '/'))) {
			static const char *const rel[] = {"", "../lib/ctlsign/"};

			*slash = '\0';
			for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++)
				if ((size_t)snprintf(buf, n, "%s/%s%s", exe, rel[i], mods[m].file) < n &&
				    access(buf, F_OK) == 0)
					return;
		}
	}
	snprintf(buf, n, "%s/%s", CTLSIGN_PKGLIBDIR, mods[m].file);
}

void *ctl_mod_sym(ctl_mod m, const char *name, ctl_err *err)
{
	char path[PATH_MAX + 64];
	void *h, *fn;

	pthread_mutex_lock(&lock);
	if (!(h = handle[m])) {
		module_path(m, path, sizeof(path));
		if (!(h = handle[m] = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
			const char *why = dlerror();

			pthread_mutex_unlock(&lock);
			if (!why)
				why = "unknown error";
			/* dlerror() names the file, mostly: then once is enough. */
			ctl_err_set(err, CTL_E_MODULE, -1, -1, -1,
				    "cannot load ctlsign's %s: %s%s%s; reinstall ctlsign",
				    mods[m].what, strstr(why, path) ? "" : path,
				    strstr(why, path) ? "" : ": ", why);
			return NULL;
		}
	}
	pthread_mutex_unlock(&lock);
	if (!(fn = dlsym(h, name)))
		ctl_err_set(err, CTL_E_MODULE, -1, -1, -1,
			    "ctlsign's %s has no %s: it is not from this version of ctlsign; reinstall ctlsign",
			    mods[m].what, name);
	return fn;
}

void *ctl_mod_sym_loaded(ctl_mod m, const char *name)
{
	void *h;

	pthread_mutex_lock(&lock);
	h = handle[m];
	pthread_mutex_unlock(&lock);
	return h ? dlsym(h, name) : NULL;
}

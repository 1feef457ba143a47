/* The PKCS#11 modules registered with p11-kit (token.h): what `tokens' and
 * token signing load when no --module is given. */
#include "token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/p11-kit.h>

void ctl_token_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

ctl_status ctl_token_registry(char ***paths, char ***names, size_t *n,
			      char *load_error, size_t load_error_sz, ctl_err *err)
{
	CK_FUNCTION_LIST **mods;
	char **p = NULL, **nm = NULL;
	size_t count = 0, k = 0;
	const char *msg;
	ctl_status st = CTL_OK;

	*paths = *names = NULL;
	*n = 0;
	load_error[0] = '\0';
	/* p11-kit would print its complaints to stderr; core code must not. */
	p11_kit_be_quiet();
	/* Unmanaged: only dlopen, so each module is initialised once, later,
	 * by the token backend, and nothing is proxied. */
	mods = p11_kit_modules_load(NULL, P11_KIT_MODULE_UNMANAGED);
	msg = p11_kit_message();
	if (msg)
		snprintf(load_error, load_error_sz, "%s", msg);
	if (!mods) {
		st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				 "cannot load the PKCS#11 modules registered with p11-kit: %s",
				 msg ? msg : "unknown error");
		goto out;
	}
	while (mods[count])
		count++;
	if (!(p = calloc(count + 1, sizeof(*p))) || !(nm = calloc(count + 1, sizeof(*nm)))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		char *trust = p11_kit_config_option(mods[i], "trust-policy");
		bool skip = trust && (!strcmp(trust, "yes") || !strcmp(trust, "true"));

		free(trust);
		if (skip)
			continue;
		p[k] = p11_kit_module_get_filename(mods[i]);
		nm[k] = p11_kit_module_get_name(mods[i]);
		if (!p[k]) {
			free(nm[k]);
			nm[k] = NULL;
			continue;
		}
		k++;
	}
	*paths = p;
	*names = nm;
	*n = k;
	p = nm = NULL;
out:
	ctl_token_strv_free(p, count);
	ctl_token_strv_free(nm, count);
	if (mods)
		p11_kit_modules_release(mods);
	return st;
}

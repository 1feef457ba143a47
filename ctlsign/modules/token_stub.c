/* The token code's entry points in the binary: each loads ctlsign-token.so
 * on first use and calls the function of the same name there (modload.h). */
#include "modload.h"

#include "pcsc.h"
#include "token.h"

#include <string.h>

ctl_status ctl_token_enumerate(const char *const *modules, size_t nmodules,
			       ctl_token_list **out, ctl_err *err)
{
	*out = NULL;
	CTL_MOD_CALL(CTL_MOD_TOKEN, ctl_token_enumerate, err, err->status,
		     modules, nmodules, out, err);
}

void ctl_token_list_free(ctl_token_list *l)
{
	__typeof__(ctl_token_list_free) *impl =
		(__typeof__(ctl_token_list_free) *)ctl_mod_sym_loaded(CTL_MOD_TOKEN, "ctl_token_list_free");

	if (impl)
		impl(l);
}

ctl_status ctl_token_signer_open(const ctl_token_opts *o, ctl_signer **out, ctl_err *err)
{
	*out = NULL;
	CTL_MOD_CALL(CTL_MOD_TOKEN, ctl_token_signer_open, err, err->status, o, out, err);
}

ctl_status ctl_pcsc_scan(const ctl_profile_set *profiles,
			 ctl_pcsc_listing *scan, ctl_err *err)
{
	memset(scan, 0, sizeof(*scan));
	CTL_MOD_CALL(CTL_MOD_TOKEN, ctl_pcsc_scan, err, err->status, profiles, scan, err);
}

void ctl_pcsc_scan_free(ctl_pcsc_listing *scan)
{
	__typeof__(ctl_pcsc_scan_free) *impl =
		(__typeof__(ctl_pcsc_scan_free) *)ctl_mod_sym_loaded(CTL_MOD_TOKEN, "ctl_pcsc_scan_free");

	if (impl)
		impl(scan);
}

/* Only reached after ctl_pcsc_scan() loaded the module: the fallbacks
 * (an empty ATR, a family not seen) are never printed in practice. */
const char *ctl_atr_format(const unsigned char *atr, size_t len, char *buf, size_t n)
{
	if (n)
		buf[0] = '\0';
	CTL_MOD_CALL(CTL_MOD_TOKEN, ctl_atr_format, NULL, buf, atr, len, buf, n);
}

bool ctl_pcsc_family_visible(const ctl_profile *profile,
			     const char *const *present_token_models, size_t n_models)
{
	CTL_MOD_CALL(CTL_MOD_TOKEN, ctl_pcsc_family_visible, NULL, false,
		     profile, present_token_models, n_models);
}

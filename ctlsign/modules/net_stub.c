/* The download code's entry points in the binary: each loads ctlsign-net.so
 * (libcurl) on first use and calls the function of the same name there
 * (modload.h). */
#include "modload.h"

#include "fetch.h"

ctl_status ctl_fetch_init(ctl_err *err)
{
	CTL_MOD_CALL(CTL_MOD_NET, ctl_fetch_init, err, err->status, err);
}

ctl_status ctl_fetch_url(const char *url, size_t max, long timeout_ms, uint8_t **out,
			 size_t *len, bool *not_found, ctl_err *err)
{
	*out = NULL;
	CTL_MOD_CALL(CTL_MOD_NET, ctl_fetch_url, err, err->status,
		     url, max, timeout_ms, out, len, not_found, err);
}

ctl_status ctl_fetch_input(const char *url, size_t max, uint8_t **out, size_t *len, ctl_err *err)
{
	*out = NULL;
	CTL_MOD_CALL(CTL_MOD_NET, ctl_fetch_input, err, err->status, url, max, out, len, err);
}

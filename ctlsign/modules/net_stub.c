/* The network code's entry points in the binary: each loads ctlsign-net.so
 * (downloads through libcurl, TLS handshakes through libssl) on first use
 * and calls the function of the same name there (modload.h). */
#include "modload.h"

#include "fetch.h"

#include <string.h>

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

ctl_status ctl_peer_init(ctl_err *err)
{
	CTL_MOD_CALL(CTL_MOD_NET, ctl_peer_init, err, err->status, err);
}

ctl_status ctl_peer_certs(const char *host, unsigned port, long timeout_ms, ctl_peer *out,
			  ctl_err *err)
{
	memset(out, 0, sizeof(*out));
	CTL_MOD_CALL(CTL_MOD_NET, ctl_peer_certs, err, err->status, host, port, timeout_ms, out, err);
}

void ctl_peer_free(ctl_peer *p)
{
	__typeof__(ctl_peer_free) *impl =
		(__typeof__(ctl_peer_free) *)ctl_mod_sym_loaded(CTL_MOD_NET, "ctl_peer_free");

	if (impl)
		impl(p);
}

/* fetch-cert asks these of what ctl_peer_certs() received: the module is
 * loaded by then, and false is never the answer for want of it. */
bool ctl_cert_self_signed(X509 *x)
{
	CTL_MOD_CALL(CTL_MOD_NET, ctl_cert_self_signed, NULL, false, x);
}

bool ctl_cert_issued_by(X509 *x, X509 *issuer)
{
	CTL_MOD_CALL(CTL_MOD_NET, ctl_cert_issued_by, NULL, false, x, issuer);
}

#include "secret.h"

#include <sys/prctl.h>

#include <openssl/crypto.h>

void ctl_secret_guard(void)
{
	/* Checked each time rather than cached: a library (or a test) may have
	 * changed it, and the call costs nothing next to reading a secret. */
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

void ctl_secret_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

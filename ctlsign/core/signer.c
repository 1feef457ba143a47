#include "signer.h"

#include <openssl/err.h>
#include <openssl/rsa.h>

void ctl_signer_free(ctl_signer *s)
{
	if (s && s->free)
		s->free(s);
}

bool ctl_signature_ok(X509 *cert, const EVP_MD *md, const uint8_t *data, size_t len,
		      const uint8_t *sig, size_t siglen)
{
	EVP_PKEY *pk = X509_get0_pubkey(cert);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	bool ok = pk && ctx && EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pk) > 0 &&
		  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 &&
		  EVP_DigestVerify(ctx, sig, siglen, data, len) == 1;

	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return ok;
}

ctl_status ctl_signer_check(X509 *cert, const EVP_MD *md, const uint8_t *data,
			    size_t len, const uint8_t *sig, size_t siglen, ctl_err *err)
{
	if (ctl_signature_ok(cert, md, data, len, sig, siglen))
		return CTL_OK;
	return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
			   "the new signature does not verify with the signer certificate "
			   "(key and certificate do not belong together)");
}

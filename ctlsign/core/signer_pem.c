/* Tokenless signing: a private key from a PEM (or DER) file, as CUCM's
 * publisher signs with its CallManager or ITLRecovery key. */
#include "signer_pem.h"

#include "io.h"
#include "secret.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct pem_impl {
	EVP_PKEY *key;
};

static ctl_status pem_sign(ctl_signer *s, const EVP_MD *md, const uint8_t *data, size_t len,
			   uint8_t *sig, size_t *siglen, ctl_err *err)
{
	struct pem_impl *p = s->impl;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	ctl_status rc = CTL_OK;
	size_t cap = *siglen;

	if (!ctx || EVP_DigestSignInit(ctx, &pctx, md, NULL, p->key) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_DigestSign(ctx, NULL, siglen, data, len) <= 0 || *siglen > cap ||
	    EVP_DigestSign(ctx, sig, siglen, data, len) <= 0)
		rc = ctl_err_ssl(err, CTL_E_INTERNAL, "signing with %s failed", s->desc);
	EVP_MD_CTX_free(ctx);
	if (!rc)
		rc = ctl_signer_check(s->cert, md, data, len, sig, *siglen, err);
	return rc;
}

static void pem_free(ctl_signer *s)
{
	struct pem_impl *p = s->impl;

	if (p) {
		EVP_PKEY_free(p->key);
		free(p);
	}
	X509_free(s->cert);
	free(s);
}

struct pass_ctx {
	ctl_pass_fn fn;
	void *ctx;
	bool asked;
	bool failed;
};

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct pass_ctx *pc = u;
	int n;

	(void)rwflag;
	pc->asked = true;
	/* OpenSSL asks again for each decoder it tries; once the answer was
	 * "none" (cancelled, unreadable, refused), asking again would only
	 * prompt the user a second time for nothing. */
	if (!pc->fn || pc->failed)
		return -1;
	n = pc->fn(buf, size, pc->ctx);
	pc->failed = n < 0;
	return n;
}

ctl_status ctl_pem_signer_open(const char *key_path, ctl_pass_fn getpass, void *ctx,
			       ctl_signer **out, ctl_warnings *w, ctl_err *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct stat st;
	BIO *bio = NULL;
	EVP_PKEY *key = NULL;
	struct pass_ctx pc = {getpass, ctx, false, false};
	ctl_signer *s = NULL;
	struct pem_impl *impl = NULL;
	ctl_status rc;

	*out = NULL;
	/* Keep the key (and its passphrase) out of core files, for good. */
	ctl_secret_guard();
	if (stat(key_path, &st) == 0 && (st.st_mode & 077))
		ctl_warn(w, "key file `%s' is readable by %s (mode %04o); chmod 600 it", key_path,
			 (st.st_mode & 007) ? "everyone" : "its group", (unsigned)(st.st_mode & 07777));
	if ((rc = ctl_read_file(key_path, 1u << 20, &buf, &len, err))) {
		ctl_err_wrap(err, "key file `%s'", key_path);
		goto out;
	}
	if (!(bio = BIO_new_mem_buf(buf, (int)len))) {
		rc = ctl_err_ssl(err, CTL_E_INTERNAL, "out of memory");
		goto out;
	}
	key = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, &pc);
	if (!key && !pc.asked) {
		const unsigned char *p = buf;
		ERR_clear_error();
		key = d2i_AutoPrivateKey(NULL, &p, (long)len);
	}
	if (!key) {
		/* Once a passphrase was asked for, the file is an encrypted key:
		 * failing to open it means the passphrase was wrong. */
		if (pc.asked)
			rc = ctl_err_ssl(err, CTL_E_TOKEN,
					 "`%s': wrong passphrase or no passphrase given", key_path);
		else
			rc = ctl_err_ssl(err, CTL_E_MALFORMED, "`%s': not a PEM or DER private key",
					 key_path);
		goto out;
	}
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		rc = ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				 "`%s' is not an RSA key; trust lists are signed with RSA", key_path);
		goto out;
	}
	if (!(s = calloc(1, sizeof(*s))) || !(impl = calloc(1, sizeof(*impl)))) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	snprintf(s->desc, sizeof(s->desc), "key file `%s'", key_path);
	impl->key = key;
	key = NULL;
	s->impl = impl;
	impl = NULL;
	s->sign = pem_sign;
	s->free = pem_free;
	*out = s;
	s = NULL;
	rc = CTL_OK;
out:
	if (buf) {
		ctl_secret_wipe(buf, len);
		free(buf);
	}
	BIO_free(bio);
	EVP_PKEY_free(key);
	free(impl);
	free(s);
	return rc;
}

bool ctl_signer_matches(const ctl_signer *s, X509 *cert)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);

	if (!pub)
		return false;
	if (s->free == pem_free)
		return EVP_PKEY_eq(((struct pem_impl *)s->impl)->key, pub) == 1;
	return s->cert && EVP_PKEY_eq(X509_get0_pubkey(s->cert), pub) == 1;
}

ctl_status ctl_signer_set_cert(ctl_signer *s, X509 *cert, const char *cert_desc, ctl_err *err)
{
	if (!ctl_signer_matches(s, cert))
		return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				   "%s does not belong to certificate `%s' (their public keys differ)",
				   s->desc, cert_desc);
	if (!X509_up_ref(cert))
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	X509_free(s->cert);
	s->cert = cert;
	return CTL_OK;
}

/* The certificate chain a TLS service presents, captured during the
 * handshake. Inspection only: nothing is trusted, no client certificate is
 * ever sent. In the network module with fetch_curl.c: libssl is mapped only
 * by the commands that talk TLS. */
#include "fetch.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

struct capture {
	STACK_OF(X509) *chain;
	bool asked;
};

/* Called while the server's Certificate message is processed: keep the
 * chain exactly as sent (the untrusted stack is the peer's list, leaf
 * first) and let the handshake go on whatever verification thinks. */
static int on_verify(int ok, X509_STORE_CTX *ctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct capture *c = ssl ? SSL_get_app_data(ssl) : NULL;
	STACK_OF(X509) *sent = X509_STORE_CTX_get0_untrusted(ctx);

	(void)ok;
	if (c && !c->chain && sent && sk_X509_num(sent) > 0)
		c->chain = X509_chain_up_ref(sent);
	return 1;
}

/* The server asks for a client certificate: note it, send none. */
static int on_client_cert(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
	struct capture *c = SSL_get_app_data(ssl);

	(void)x509;
	(void)pkey;
	if (c)
		c->asked = true;
	return 0;
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(deadline->tv_sec - now.tv_sec) * 1000L +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000L;
}

static void deadline_in(struct timespec *d, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += ms / 1000;
	d->tv_nsec += (ms % 1000) * 1000000L;
	if (d->tv_nsec >= 1000000000L) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000L;
	}
}

/* 1 ready, 0 timed out, -1 error (errno). */
static int wait_fd(int fd, short events, const struct timespec *deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		long left = ms_left(deadline);
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -1 : r;
	}
}

/* Non-blocking connect to each address in turn; the socket stays
 * non-blocking. */
static int connect_any(const char *host, unsigned port, long timeout_ms, char *addr,
		       size_t addrsz, ctl_err *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
	char portstr[8], why[160] = "";
	int g, fd = -1;

	snprintf(portstr, sizeof(portstr), "%u", port);
	if ((g = getaddrinfo(host, portstr, &hints, &ai)) != 0) {
		ctl_err_set(err, CTL_E_IO, -1, -1, -1, "%s port %u: cannot resolve %s: %s", host,
			    port, host, gai_strerror(g));
		return -1;
	}
	for (const struct addrinfo *a = ai; a; a = a->ai_next) {
		struct timespec deadline;
		int soerr = 0, w;
		socklen_t sl = sizeof(soerr);

		if ((fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				 a->ai_protocol)) < 0) {
			snprintf(why, sizeof(why), "%s", strerror(errno));
			continue;
		}
		getnameinfo(a->ai_addr, a->ai_addrlen, addr, (socklen_t)addrsz, NULL, 0,
			    NI_NUMERICHOST);
		deadline_in(&deadline, timeout_ms);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		soerr = errno;
		if (soerr == EINPROGRESS) {
			w = wait_fd(fd, POLLOUT, &deadline);
			if (w == 0) {
				snprintf(why, sizeof(why), "no answer within %g s",
					 (double)timeout_ms / 1000);
				soerr = 0;
			} else if (w < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) {
				soerr = errno;
			} else if (!soerr) {
				break;   /* connected */
			}
		}
		if (soerr)
			snprintf(why, sizeof(why), "%s", strerror(soerr));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		ctl_err_set(err, CTL_E_IO, -1, -1, -1, "%s port %u: cannot connect: %s", host, port,
			    why[0] ? why : "no address");
	return fd;
}

static bool numeric_host(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

ctl_status ctl_peer_init(ctl_err *err)
{
	if (!OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL))
		return ctl_err_ssl(err, CTL_E_INTERNAL, "cannot initialise OpenSSL");
	return CTL_OK;
}

ctl_status ctl_peer_certs(const char *host, unsigned port, long timeout_ms, ctl_peer *out,
			  ctl_err *err)
{
	struct capture cap = {0};
	struct timespec deadline;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	BIO *bio = NULL;
	int fd;
	ctl_status rc = CTL_OK;

	memset(out, 0, sizeof(*out));
	out->port = port;
	if (timeout_ms <= 0)
		timeout_ms = CTL_FETCH_TIMEOUT_MS;
	if ((fd = connect_any(host, port, timeout_ms, out->address, sizeof(out->address), err)) < 0)
		return CTL_E_IO;
	if (!(ctx = SSL_CTX_new(TLS_client_method())) || !(bio = BIO_new_socket(fd, BIO_CLOSE))) {
		close(fd);
		rc = ctl_err_ssl(err, CTL_E_INTERNAL, "%s port %u: cannot set up TLS", host, port);
		goto out;
	}
	/* Inspecting, not trusting: old nodes speak TLS 1.0 with old ciphers. */
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
	SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, on_verify);
	SSL_CTX_set_client_cert_cb(ctx, on_client_cert);
	if (!(ssl = SSL_new(ctx))) {
		BIO_free(bio);
		rc = ctl_err_ssl(err, CTL_E_INTERNAL, "%s port %u: cannot set up TLS", host, port);
		goto out;
	}
	SSL_set_app_data(ssl, &cap);
	SSL_set_bio(ssl, bio, bio);
	if (!numeric_host(host))
		SSL_set_tlsext_host_name(ssl, host);
	deadline_in(&deadline, timeout_ms);
	for (;;) {
		int r = SSL_connect(ssl), e, w = 1;

		if (r == 1) {
			out->handshake_ok = true;
			break;
		}
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			w = wait_fd(fd, POLLIN, &deadline);
		else if (e == SSL_ERROR_WANT_WRITE)
			w = wait_fd(fd, POLLOUT, &deadline);
		else {
			unsigned long code = ERR_peek_last_error();
			char t[200] = "";

			if (code)
				ERR_error_string_n(code, t, sizeof(t));
			else if (e == SSL_ERROR_SYSCALL)
				snprintf(t, sizeof(t), "%s", errno ? strerror(errno)
								   : "connection closed by the server");
			else
				snprintf(t, sizeof(t), "TLS error %d", e);
			snprintf(out->handshake_error, sizeof(out->handshake_error), "%s", t);
			break;
		}
		if (w == 0) {
			snprintf(out->handshake_error, sizeof(out->handshake_error),
				 "no answer within %g s", (double)timeout_ms / 1000);
			break;
		}
		if (w < 0) {
			snprintf(out->handshake_error, sizeof(out->handshake_error), "%s",
				 strerror(errno));
			break;
		}
	}
	ERR_clear_error();
	snprintf(out->protocol, sizeof(out->protocol), "%s", SSL_get_version(ssl));
	out->client_cert_requested = cap.asked;
	out->chain = cap.chain;
	cap.chain = NULL;
	if (!out->chain) {
		STACK_OF(X509) *sent = SSL_get_peer_cert_chain(ssl);
		if (sent && sk_X509_num(sent) > 0)
			out->chain = X509_chain_up_ref(sent);
	}
	if (!out->chain || sk_X509_num(out->chain) == 0) {
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1,
				 "%s port %u (%s): no certificate received: %s", host, port,
				 out->address, out->handshake_error[0] ? out->handshake_error
								       : "the server sent none");
		ctl_peer_free(out);
	}
	if (out->handshake_ok)
		SSL_shutdown(ssl);
out:
	sk_X509_pop_free(cap.chain, X509_free);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

void ctl_peer_free(ctl_peer *p)
{
	if (!p)
		return;
	sk_X509_pop_free(p->chain, X509_free);
	p->chain = NULL;
}

bool ctl_cert_issued_by(X509 *x, X509 *issuer)
{
	EVP_PKEY *k = X509_get0_pubkey(issuer);
	bool ok = X509_check_issued(issuer, x) == X509_V_OK && k && X509_verify(x, k) == 1;

	ERR_clear_error();
	return ok;
}

bool ctl_cert_self_signed(X509 *x)
{
	return ctl_cert_issued_by(x, x);
}

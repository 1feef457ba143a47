/* Reading what a cluster serves, read-only and without credentials: files
 * from its TFTP service (TFTP, or HTTP on port 6970) through libcurl, and the
 * certificate chain a TLS service presents in its handshake, through
 * OpenSSL. Like all core code: no printing, no exiting. libcurl is set up on
 * the first download only, so commands that never fetch do not pay for it.
 * See docs/fetch.md. */
#ifndef CTLSIGN_FETCH_H
#define CTLSIGN_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "err.h"

/* Default wait for a server (connect, first answer, any stall). */
#define CTL_FETCH_TIMEOUT_MS 5000L
/* A whole download never takes longer than the larger of this and twelve
 * times the wait given. */
#define CTL_FETCH_TOTAL_MIN_MS 60000L

/* True for "tftp://..." and "http://..." (scheme in any case). Anything else
 * is a local path. */
bool ctl_is_url(const char *s);

/* Set libcurl up now (it is otherwise set up by the first download): on
 * the main thread, before threads download at the same time. */
ctl_status ctl_fetch_init(ctl_err *err);

/* Download url (tftp:// or http://) into a malloc'd buffer of at most max
 * bytes. timeout_ms bounds the connection, the wait for the first answer and
 * any stall of the transfer (<= 0: CTL_FETCH_TIMEOUT_MS).
 *
 * Returns CTL_OK with *out and *len set; otherwise *out is NULL and err->msg
 * starts with the URL:
 *  CTL_E_IO        network errors (host and port named, libcurl's text
 *                  included), timeouts, and a file the server does not have;
 *                  *not_found (may be NULL) is set to true for that last case
 *                  only: TFTP error 1 "file not found", HTTP 404 or 410;
 *  CTL_E_MALFORMED the file is larger than max: the transfer is stopped as
 *                  soon as that is known, the file is never held whole;
 *  CTL_E_USAGE     not a tftp:// or http:// URL, or one with credentials;
 *  CTL_E_INTERNAL  out of memory, libcurl could not start. */
ctl_status ctl_fetch_url(const char *url, size_t max, long timeout_ms, uint8_t **out,
			 size_t *len, bool *not_found, ctl_err *err);

/* A URL downloaded as ctl_read_input does (err->msg without the URL). */
ctl_status ctl_fetch_input(const char *url, size_t max, uint8_t **out, size_t *len, ctl_err *err);

/* A local file through ctl_read_file ("-" is stdin), or a URL (ctl_is_url)
 * downloaded as ctl_fetch_url does with the default timeout; a file the
 * server does not have is CTL_E_IO. The same limit rule for both: larger
 * than max is CTL_E_MALFORMED. As with ctl_read_file, err->msg does not
 * repeat the path or URL (it still names host and port): the caller names
 * its input, e.g. report(path_or_url, &err). */
ctl_status ctl_read_input(const char *path_or_url, size_t max, uint8_t **out, size_t *len,
			  ctl_err *err);

/* "HOST", "HOST:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address ("::1")
 * into host (without brackets) and port (0 when none is given). False for an
 * empty host, a port outside 1..65535, or a host that does not fit. */
bool ctl_hostport_parse(const char *in, char *host, size_t hostsz, unsigned *port);

/* A SHA-256 fingerprint as 64 hex digits, in any case, with or without a
 * colon between pairs. False for anything else. */
bool ctl_fingerprint_parse(const char *in, uint8_t out[32]);

/* What a TLS server presented. */
typedef struct ctl_peer {
	STACK_OF(X509) *chain;     /* as sent: [0] is the server's certificate */
	char address[64];          /* numeric address that answered */
	unsigned port;
	char protocol[16];         /* e.g. "TLSv1.3" */
	bool handshake_ok;         /* false: the chain came before a failure,
				    * e.g. a server that requires a client
				    * certificate (TLS 1.2) */
	bool client_cert_requested;/* the server asked for one (none is sent) */
	char handshake_error[256]; /* why the handshake failed, "" when it did not */
} ctl_peer;

/* Connect to host:port (every address getaddrinfo gives, IPv6 included) and
 * run a TLS handshake that never sends a client certificate and trusts
 * nothing: the certificates are captured as the server sends them, before
 * any verification, and the handshake may fail after that (a server that
 * demands a client certificate) without losing them. timeout_ms bounds the
 * connect and every wait (<= 0: CTL_FETCH_TIMEOUT_MS).
 *
 * The socket is written with write(2): the caller ignores SIGPIPE (a
 * server may close the connection at any point).
 *
 * CTL_OK when at least one certificate was received (out->chain non-empty);
 * CTL_E_IO naming host and port when none could be (cannot resolve or
 * connect, timeout, not TLS); CTL_E_INTERNAL. Free with ctl_peer_free. */
ctl_status ctl_peer_certs(const char *host, unsigned port, long timeout_ms, ctl_peer *out,
			  ctl_err *err);
/* Set OpenSSL's TLS up now (on the main thread, before handshakes run in
 * threads). CTL_E_INTERNAL. */
ctl_status ctl_peer_init(ctl_err *err);
void ctl_peer_free(ctl_peer *p);

/* The certificate is self-signed: its issuer is its subject and its own key
 * verifies its signature. */
bool ctl_cert_self_signed(X509 *x);
/* issuer issued x: names and key identifiers agree and issuer's key verifies
 * x's signature. */
bool ctl_cert_issued_by(X509 *x, X509 *issuer);

#endif

/* ctlsign fetch-cert: the certificate chain a cluster node presents over
 * TLS; kept only once its fingerprint is confirmed. */
#include "cli.h"
#include "jsonout.h"
#include "suggest.h"
#include "load.h"

#include "ctl.h"
#include "fetch.h"
#include "io.h"

#include <fcntl.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void fetch_cert_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctlsign fetch-cert [options] HOST[:PORT]\n\n"
		"Show the certificate chain a cluster node presents in its TLS handshake\n"
		"(read-only: no credentials, no client certificate sent, nothing trusted),\n"
		"and with -o keep the node's certificate once its fingerprint is confirmed.\n\n"
		"  -r, --role ROLE          which service, when no PORT is given:\n"
		"                           callmanager  2443 (SCCP over TLS), then 5061 (SIP)\n"
		"                           tomcat       443, then 8443\n"
		"                           tvs          2445\n"
		"                           capf         3804\n"
		"                           (default callmanager)\n"
		"  -o, --output FILE        write the node's certificate to FILE (PEM)\n"
		"  -f, --fingerprint SHA256 the SHA-256 fingerprint it must have (64 hex\n"
		"                           digits, colons optional, any case)\n"
		"  -t, --timeout SECONDS    wait this long to connect and for each answer\n"
		"                           (default 5)\n"
		"      --no-backup          do not keep the previous FILE as FILE.bak\n"
		"  -j, --json               print JSON\n"
		"  -h, --help               this help\n\n"
		"Nothing is trusted silently: -o writes only when --fingerprint matches the\n"
		"certificate, or when you type yes at the terminal after seeing it. Check\n"
		"the fingerprint against the certificate the node holds, not against this\n"
		"output. A given --fingerprint that differs is refused, with or without -o.\n\n"
		"Exit status: 0 shown (and written), 2 usage, 4 no certificate received\n"
		"(cannot connect, timeout, not TLS) or cannot write, 5 not confirmed or\n"
		"fingerprint differs.\n\n"
		"Examples:\n"
		"  ctlsign fetch-cert cucm-pub\n"
		"  ctlsign fetch-cert cucm-pub --role tvs -o TVS.pem --fingerprint 3A:7F:...\n");
}

static const struct role {
	const char *name, *what;
	unsigned ports[2];
} roles[] = {
	{"callmanager", "CallManager", {2443, 5061}},
	{"tomcat", "Tomcat", {443, 8443}},
	{"tvs", "TVS", {2445, 0}},
	{"capf", "CAPF", {3804, 0}},
};

static void add(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static void sha256_colon(X509 *x, char *out, size_t n, uint8_t md[32])
{
	unsigned len = 0;

	X509_digest(x, EVP_sha256(), md, &len);
	ctl_hex_colon(md, len, out, n);
}

/* 1-based index of the chain member that issued x, 0: none. */
static int issuer_index(STACK_OF(X509) *chain, int i)
{
	X509 *x = sk_X509_value(chain, i);

	for (int k = 0; k < sk_X509_num(chain); k++)
		if (k != i && ctl_cert_issued_by(x, sk_X509_value(chain, k)))
			return k + 1;
	return 0;
}

static json_object *cert_json(STACK_OF(X509) *chain, int i, time_t now)
{
	X509 *x = sk_X509_value(chain, i);
	json_object *o = json_object_new_object();
	ctl_certinfo ci;
	char fp[128], nb[32], na[32];
	uint8_t md[32];
	int by = issuer_index(chain, i);

	add(o, "index", json_object_new_int(i + 1));
	if (ctl_certinfo_get(x, &ci, NULL)) {
		add(o, "error", json_object_new_string("cannot decode the certificate"));
		return o;
	}
	ctl_time_iso(ci.not_before, nb, sizeof(nb));
	ctl_time_iso(ci.not_after, na, sizeof(na));
	add(o, "subject", json_text(ci.subject));
	add(o, "issuer", json_text(ci.issuer));
	add(o, "serial", json_object_new_string(ci.serial_hex));
	add(o, "not_before", nb[0] ? json_object_new_string(nb) : NULL);
	add(o, "not_after", na[0] ? json_object_new_string(na) : NULL);
	add(o, "expired", json_object_new_boolean(ci.not_after != (time_t)-1 && ci.not_after < now));
	add(o, "key_type", json_object_new_string(ci.key_type));
	add(o, "key_bits", json_object_new_int(ci.key_bits));
	add(o, "curve", ci.curve[0] ? json_object_new_string(ci.curve) : NULL);
	sha256_colon(x, fp, sizeof(fp), md);
	add(o, "sha256", json_object_new_string(fp));
	ctl_hex_colon(ci.sha1, sizeof(ci.sha1), fp, sizeof(fp));
	add(o, "sha1", json_object_new_string(fp));
	add(o, "self_signed", json_object_new_boolean(ctl_cert_self_signed(x)));
	add(o, "issued_by", by ? json_object_new_int(by) : NULL);
	ctl_certinfo_free(&ci);
	return o;
}

static void cert_print(STACK_OF(X509) *chain, int i, time_t now)
{
	X509 *x = sk_X509_value(chain, i);
	ctl_certinfo ci;
	char fp[128], nb[32], na[32], subj[2048], iss[2048];
	uint8_t md[32];
	int by = issuer_index(chain, i);
	bool self = ctl_cert_self_signed(x);

	printf("certificate %d%s:\n", i + 1, i ? "" : " (the node's)");
	if (ctl_certinfo_get(x, &ci, NULL)) {
		printf("  cannot decode the certificate\n");
		return;
	}
	ctl_text_safe(ci.subject, subj, sizeof(subj), 0);
	ctl_text_safe(ci.issuer, iss, sizeof(iss), 0);
	ctl_time_iso(ci.not_before, nb, sizeof(nb));
	ctl_time_iso(ci.not_after, na, sizeof(na));
	printf("  subject:     %s\n", subj);
	printf("  issuer:      %s\n", iss);
	printf("  serial:      %s\n", ci.serial_hex);
	printf("  valid:       %s to %s%s\n", nb[0] ? nb : "?", na[0] ? na : "?",
	       ci.not_after != (time_t)-1 && ci.not_after < now ? " (EXPIRED)" : "");
	if (ci.curve[0])
		printf("  key:         %s %d (%s)\n", ci.key_type, ci.key_bits, ci.curve);
	else
		printf("  key:         %s %d\n", ci.key_type, ci.key_bits);
	sha256_colon(x, fp, sizeof(fp), md);
	printf("  SHA-256:     %s\n", fp);
	ctl_hex_colon(ci.sha1, sizeof(ci.sha1), fp, sizeof(fp));
	printf("  SHA-1:       %s\n", fp);
	if (self)
		printf("  self-signed: yes\n");
	else if (by)
		printf("  self-signed: no; issued by certificate %d\n", by);
	else
		printf("  self-signed: no; its issuer was not sent\n");
	ctl_certinfo_free(&ci);
}

/* Ask on the terminal; true only for "yes". */
static bool confirm(const char *what, const char *fp, const char *output)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	char line[32], prompt[1024];
	size_t n = 0;
	int len;

	if (fd < 0)
		return false;
	/* Only an answer typed after the fingerprint is shown counts. */
	tcflush(fd, TCIFLUSH);
	len = snprintf(prompt, sizeof(prompt),
		       "The certificate of %s has the SHA-256 fingerprint\n  %s\n"
		       "Compare it with the certificate the node holds. Write it to %s? "
		       "Type yes to trust it: ", what, fp, output);
	if (len > 0 && write(fd, prompt, strlen(prompt)) < 0) {
		close(fd);
		return false;
	}
	while (n < sizeof(line) - 1) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r <= 0 || ch == '\n' || ch == '\r')
			break;
		line[n++] = ch;
	}
	line[n] = '\0';
	close(fd);
	return !strcmp(line, "yes");
}

enum { O_NO_BACKUP = 256 };

int fetch_cert_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"role", required_argument, NULL, 'r'},
		{"output", required_argument, NULL, 'o'},
		{"fingerprint", required_argument, NULL, 'f'},
		{"timeout", required_argument, NULL, 't'},
		{"no-backup", no_argument, NULL, O_NO_BACKUP},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct role *role = &roles[0];
	const char *output = NULL, *fp_arg = NULL;
	char host[256], what[320], fp[128];
	uint8_t want[32], have[32];
	unsigned port = 0, ports[2] = {0, 0};
	long timeout_ms = CTL_FETCH_TIMEOUT_MS;
	bool json = false, backup = true, matched = false, written = false, role_given = false;
	bool port_given, named;
	time_t now = time(NULL);
	ctl_peer peer;
	ctl_err err;
	int c, rc = EXIT_OK, n;

	memset(&peer, 0, sizeof(peer));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "r:o:f:t:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			role = NULL;
			for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
				if (!strcasecmp(optarg, roles[i].name))
					role = &roles[i];
			if (!role) {
				msg_error("fetch-cert: --role `%s': expected callmanager, tomcat, tvs or capf",
					  optarg);
				return EXIT_USAGE;
			}
			role_given = true;
			break;
		case 'o': output = optarg; break;
		case 'f':
			fp_arg = optarg;
			if (!ctl_fingerprint_parse(optarg, want)) {
				msg_error("fetch-cert: --fingerprint `%s': expected a SHA-256 fingerprint, "
					  "64 hex digits (colons optional)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			if (!cli_seconds(optarg, &timeout_ms)) {
				msg_error("fetch-cert: --timeout `%s': expected seconds, more than 0, at "
					  "most 3600", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_NO_BACKUP: backup = false; break;
		case 'j': json = true; break;
		case 'h': fetch_cert_usage(stdout); return EXIT_OK;
		default: return cli_bad_option("fetch-cert", argc, argv, opts);
		}
	}
	if (optind != argc - 1) {
		msg_error("fetch-cert: expected one HOST[:PORT]");
		fetch_cert_usage(stderr);
		return EXIT_USAGE;
	}
	if (!ctl_hostport_parse(argv[optind], host, sizeof(host), &port)) {
		msg_error("fetch-cert: `%s': expected HOST, HOST:PORT or [IPv6]:PORT", argv[optind]);
		return EXIT_USAGE;
	}
	port_given = port != 0;
	if (port)
		ports[0] = port;
	else
		memcpy(ports, role->ports, sizeof(ports));

	/* A server may drop the connection while we write to it. */
	signal(SIGPIPE, SIG_IGN);
	ctl_err_clear(&err);
	for (int i = 0; i < 2 && ports[i]; i++) {
		if (ctl_peer_certs(host, ports[i], timeout_ms, &peer, &err) == CTL_OK) {
			port = ports[i];
			break;
		}
		if (i == 0 && ports[1])
			msg_warn("%s; trying port %u", err.msg, ports[1]);
		else
			return report(NULL, &err);
	}
	snprintf(what, sizeof(what), "%s%s%s port %u", strchr(host, ':') ? "[" : "", host,
		 strchr(host, ':') ? "]" : "", port);
	n = sk_X509_num(peer.chain);
	named = role_given || !port_given;
	sha256_colon(sk_X509_value(peer.chain, 0), fp, sizeof(fp), have);
	if (fp_arg)
		matched = !memcmp(want, have, sizeof(have));

	if (!json) {
		bool self = ctl_cert_self_signed(sk_X509_value(peer.chain, 0));

		char label[400];

		snprintf(label, sizeof(label), "%s%s%s", named ? role->what : "",
			 named && strcmp(host, peer.address) ? ", " : "",
			 strcmp(host, peer.address) ? peer.address : "");
		printf("%s%s%s%s: %s, %d certificate%s sent; the node's certificate is %s\n", what,
		       label[0] ? " (" : "", label, label[0] ? ")" : "", peer.protocol, n,
		       n == 1 ? "" : "s", self ? "self-signed" : "not self-signed");
		if (peer.client_cert_requested)
			printf("the server asked for a client certificate; none was sent\n");
		if (fp_arg)
			printf("the node's certificate %s the SHA-256 fingerprint given\n",
			       matched ? "has" : "does NOT have");
		if (!peer.handshake_ok) {
			char why[1024];
			ctl_text_safe(peer.handshake_error, why, sizeof(why), 0);
			printf("the handshake then failed (the certificates had arrived): %s\n", why);
		}
		putchar('\n');
		for (int i = 0; i < n; i++) {
			if (i)
				putchar('\n');
			cert_print(peer.chain, i, now);
		}
		fflush(stdout);
	}

	if (fp_arg && !matched) {
		msg_error("%s: the certificate's SHA-256 fingerprint is %s, not the one given%s", what, fp,
			  output ? "; not written" : "");
		rc = EXIT_REFUSED;
	} else if (output && !matched && !cli_have_tty()) {
		msg_error("`%s' not written: the certificate of %s (SHA-256 %s) is not confirmed. "
			  "Compare the fingerprint with the certificate the node holds, then run again "
			  "with --fingerprint and the fingerprint you checked, or at a terminal to "
			  "answer yes", output, what, fp);
		rc = EXIT_REFUSED;
	} else if (output && !matched && !confirm(what, fp, output)) {
		msg_error("`%s' not written: not confirmed", output);
		rc = EXIT_REFUSED;
	} else if (output) {
		BIO *mem = BIO_new(BIO_s_mem());
		char *p = NULL;
		long len;
		ctl_write_opts wo = {.mode = 0644, .backup = backup};

		if (!mem || !PEM_write_bio_X509(mem, sk_X509_value(peer.chain, 0)) ||
		    (len = BIO_get_mem_data(mem, &p)) <= 0) {
			msg_error("%s: cannot encode the certificate as PEM", what);
			rc = EXIT_INTERNAL;
		} else {
			cli_undo_write_on_signals();
			if (ctl_write_atomic(output, (const uint8_t *)p, (size_t)len, &wo, &err)) {
				rc = report(output, &err);
			} else {
				written = true;
				if (!json)
					fprintf(stderr, "ctlsign: wrote %s: the certificate of %s, SHA-256 %s\n",
						output, what, fp);
			}
		}
		BIO_free(mem);
	}

	if (json) {
		json_object *o = json_object_new_object(), *a = json_object_new_array();

		add(o, "host", json_text(host));
		add(o, "port", json_object_new_int((int)port));
		add(o, "address", json_object_new_string(peer.address));
		add(o, "role", named ? json_object_new_string(role->name) : NULL);
		add(o, "protocol", json_object_new_string(peer.protocol));
		add(o, "handshake_ok", json_object_new_boolean(peer.handshake_ok));
		add(o, "handshake_error",
		    peer.handshake_error[0] ? json_text(peer.handshake_error) : NULL);
		add(o, "client_certificate_requested",
		    json_object_new_boolean(peer.client_cert_requested));
		add(o, "self_signed",
		    json_object_new_boolean(ctl_cert_self_signed(sk_X509_value(peer.chain, 0))));
		add(o, "sha256", json_object_new_string(fp));
		for (int i = 0; i < n; i++)
			json_object_array_add(a, cert_json(peer.chain, i, now));
		add(o, "certificates", a);
		add(o, "fingerprint_matches", fp_arg ? json_object_new_boolean(matched) : NULL);
		add(o, "output", output ? json_text(output) : NULL);
		add(o, "written", json_object_new_boolean(written));
		json_print(o);
		json_object_put(o);
	}
	ctl_peer_free(&peer);
	return rc;
}

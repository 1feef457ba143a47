/* ctlsign: dispatch to one verb per file. */
#include "cli.h"
#include "suggest.h"
#include "version.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdbool.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* tls: the command talks TLS (fetch-cert, check --live), where the system's
 * OpenSSL configuration (its TLS policy) applies. The others do not read
 * that file: nothing they use is configured there, and it costs time. */
static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *desc;
	bool tls;
} verbs[] = {
	{"show", show_main, "print a CTL/ITL file the way CUCM's `show ctl` does", false},
	{"verify", verify_main, "check a CTL/ITL signature and say who signed it", false},
	{"build", build_main, "build and sign a CTL/ITL from the cluster's certificates", false},
	{"check", check_main, "find what would lock phones out before publishing (preflight)", true},
	{"plan", plan_main, "the safe order for regenerating certificates, step by step", false},
	{"diff", diff_main, "what changed between two CTL/ITL files; will phones take the new?", false},
	{"tokens", tokens_main, "list PKCS#11 tokens, their certificates and PC/SC readers", false},
	{"fetch", fetch_main, "download a cluster's CTL/ITL over TFTP or HTTP, check, keep", false},
	{"fetch-cert", fetch_cert_main, "show (and keep) the certificate a node presents over TLS", true},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: ctlsign <command> [options] [args]\n\n"
		     "Build, sign, inspect and check Cisco CTLFile.tlv / ITLFile.tlv trust lists.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].desc);
	fprintf(out, "\n`ctlsign <command> --help` describes each command.\n\n"
		     "Exit status:\n"
		     "  0    success (verify: signature valid)\n"
		     "  1    signature invalid, signer not found or not trusted, phones would reject it\n"
		     "  2    usage error\n"
		     "  3    malformed input (trust list, certificate, key, cluster file)\n"
		     "  4    I/O error (cannot read or write a file; network; not found on the server)\n"
		     "  5    refused as unsafe (phones would reject it, token rules, expired\n"
		     "       certificate, key/signer mismatch, limits, unconfirmed fingerprint)\n"
		     "  6    credential or token error (wrong PIN or passphrase, PIN locked, login refused)\n"
		     "  7    token removed or not present\n"
		     "  69   a module of ctlsign cannot be loaded (token or network code):\n"
		     "       reinstall ctlsign\n"
		     "  70   internal error\n"
		     "  130  interrupted\n");
}

int main(int argc, char **argv)
{
	/* A file-size limit must fail the write (EFBIG), not kill us mid-file. */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		cli_version(stdout);
		return EXIT_OK;
	}
	const char *names[sizeof(verbs) / sizeof(verbs[0])];
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (!strcmp(argv[1], verbs[i].name)) {
			if (!verbs[i].tls)
				OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, NULL);
			return verbs[i].fn(argc - 1, argv + 1);
		}
		names[i] = verbs[i].name;
	}
	if (!cli_unknown_command(argv[1], names, sizeof(names) / sizeof(names[0])))
		usage(stderr);
	return EXIT_USAGE;
}

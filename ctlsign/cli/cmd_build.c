/* ctlsign build: certificates in, a signed and verified CTL/ITL out, never
 * one that the phones holding today's lists would reject.
 *
 * The steps, each a function below: read the command line; assemble the
 * records (cluster file or record options) and the signer; find out what
 * phones hold; check the records and judge the signer against what phones
 * hold (before any key is opened or PIN asked); sign; write atomically;
 * say what changed. */
#include "cli.h"
#include "jsonout.h"
#include "suggest.h"
#include "load.h"
#include "render.h"

#include "build.h"
#include "cluster.h"
#include "diff.h"
#include "identity.h"
#include "io.h"
#include "phone.h"
#include "pin.h"
#include "plan.h"
#include "signer_pem.h"
#include "token.h"
#include "update.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void build_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctlsign build [options] (--cluster FILE | record options)\n\n"
		"Build CTLFile.tlv (or, with --itl, ITLFile.tlv) from the cluster's\n"
		"certificates, check that the phones holding today's lists will take it,\n"
		"sign it, parse and verify the result, then write it atomically (temporary\n"
		"file, fsync, rename; the old file kept as NAME.bak).\n\n"
		"Input:\n"
		"  -c, --cluster FILE        cluster description (INI, docs/cluster-file.md)\n"
		"      --sast [HOST,IP,]CERT SAST record (CERT alone: an eToken; with HOST:\n"
		"                            the CallManager or ITLRecovery certificate)\n"
		"      --ccm-tftp HOST,IP,CERT   --ccm HOST,IP,CERT   --tftp HOST,IP,CERT\n"
		"      --capf HOST,IP,CERT       --tvs HOST,IP,CERT (ITL only)\n"
		"      --app-server HOST,IP,CERT --firewall HOST,IP,CERT (ASA, a CCM record)\n"
		"      --blank HOST,IP           blanked CCM+TFTP record (non-secure mode)\n"
		"      --from FILE               every record of an existing CTL/ITL, byte for byte\n"
		"                            records are written in the order given; HOST or\n"
		"                            IP may be empty; CERT is PEM or DER\n"
		"      --itl                 build an ITL instead of a CTL\n"
		"      --node NAME           with --cluster --itl: the TFTP node (default publisher)\n"
		"      --non-secure          with --cluster: blank the CCM/TFTP records\n\n"
		"What phones hold (checked before anything is signed):\n"
		"      --current FILE        the CTL or ITL phones hold now (repeat for both);\n"
		"                            default: current-ctl/current-itl of the cluster file,\n"
		"                            else the output file if it exists\n"
		"      --first               phones hold no list of this kind yet\n"
		"      --via-tvs             accept a signer phones know only through TVS (phones\n"
		"                            without Security by Default will reject the file)\n\n"
		"Signing (tokenless: a PEM key; or a PKCS#11 token):\n"
		"  -k, --key FILE            RSA private key (PEM or DER) that signs\n"
		"      --signer-cert FILE    its certificate (default: the SAST record whose\n"
		"                            public key matches --key)\n"
		"      --pass-source SRC     passphrase of an encrypted key: file:PATH or - (stdin);\n"
		"                            default: asked on the terminal\n"
		"      --sign-with URI       sign on a token: pkcs11:token=...;id=...\n"
		"      --module PATH         PKCS#11 module to load (default: p11-kit registry)\n"
		"      --pin-source SRC      token PIN from file:PATH or - (stdin)\n"
		"      --pin-env NAME        token PIN from environment variable NAME\n"
		"      --digest ALG          sha1 (default, as CUCM), sha256 or sha512\n"
		"      --signer-version V    write signer version tag 28: 1.0 or 1.1 (set to 1.1\n"
		"                            automatically when a record holds an EC key)\n\n"
		"Output:\n"
		"  -o, --output FILE         default CTLFile.tlv / ITLFile.tlv, or\n"
		"                            CTLSEP<MAC>.tlv / ITLSEP<MAC>.tlv with --mac\n"
		"      --mac MAC             per-phone file name (FILENAME inside stays plain)\n"
		"      --timestamp N         TIMESTAMP (Unix time); default SOURCE_DATE_EPOCH or now\n"
		"      --allow-expired       write expired certificates (refused by default)\n"
		"      --no-backup           do not keep the previous file as NAME.bak\n"
		"  -j, --json                print a JSON summary\n"
		"  -q, --quiet               no warnings\n"
		"  -h, --help                this help\n\n"
		"Exit status: 0 written, 2 usage, 3 malformed input, 4 I/O error, 5 refused\n"
		"(phones would reject it, token rules, expired certificate, key/signer\n"
		"mismatch, signer not a SAST record, size), 6 wrong PIN or passphrase / token\n"
		"error, 7 token not present, 130 interrupted.\n\n"
		"Examples:\n"
		"  ctlsign build --cluster cluster.ini            # update CTLFile.tlv in place\n"
		"  ctlsign build --cluster cluster.ini --first -o CTLFile.tlv   # mixed mode, first CTL\n");
}

enum {
	O_SAST = 256, O_CCM_TFTP, O_CCM, O_TFTP, O_CAPF, O_TVS, O_APP, O_FW, O_BLANK,
	O_ITL, O_NODE, O_NONSECURE, O_SIGNER_CERT, O_PASS, O_SIGN_WITH, O_MODULE,
	O_PIN_SOURCE, O_PIN_ENV, O_DIGEST, O_SIGNER_VERSION, O_MAC, O_TIMESTAMP,
	O_ALLOW_EXPIRED, O_NO_BACKUP, O_FROM, O_CURRENT, O_FIRST, O_VIA_TVS,
};

struct pass_src {
	const char *source;
	bool failed;
	ctl_err err;
};

/* A list phones hold, read and parsed. */
/* Everything one build needs. */
struct build {
	/* command line */
	const char *cluster_path, *key, *signer_cert, *uri, *module, *pin_source, *pin_env;
	const char *output, *mac_arg, *ts_arg;
	const char *current[2];
	size_t ncurrent;
	bool json, backup, direct, first, via_tvs, itl;
	char mac[13];
	char outbuf[64];
	struct pass_src ps;
	ctl_plan_opts popts;
	/* assembled */
	ctl_spec spec;
	ctl_cluster *cluster;
	ctl_plan plan;
	ctl_warnings w;
	/* what phones hold */
	held_lists hl;
	ctl_held held;
	ctl_tvs_view tv;
	/* the signer, once judged */
	ctl_phone_result verdict;
	X509 *judged;          /* the certificate the verdict is about */
	bool refused;          /* a refusal was printed by the token callback's judge */
	ctl_signer *signer;
	int lockfd;            /* the output's lock, held from reading what phones hold */
	/* result */
	uint8_t *file;
	size_t flen;
};

/* Passphrase for an encrypted key: from --pass-source, else the terminal. */
static int get_pass(char *buf, int n, void *ctx)
{
	struct pass_src *ps = ctx;
	ctl_pin p;
	ctl_status rc;
	char warn[256] = "";
	int len = -1;

	ctl_pin_init_as(&p, CTL_SECRET_PASSPHRASE);
	if (ps->source)
		rc = ctl_pin_from_source(&p, ps->source, warn, sizeof(warn), &ps->err);
	else if (cli_have_tty())
		rc = ctl_pin_from_prompt(&p, NULL, NULL, "Passphrase for the signing key: ",
					 &ps->err);
	else
		rc = ctl_err_set(&ps->err, CTL_E_USAGE, -1, -1, -1,
				 "the key is encrypted and there is no terminal: use --pass-source");
	if (warn[0])
		msg_warn("%s", warn);
	if (rc == CTL_OK && p.len < (size_t)n) {
		memcpy(buf, p.buf, p.len);
		len = (int)p.len;
	} else if (rc == CTL_OK) {
		ctl_err_set(&ps->err, CTL_E_USAGE, -1, -1, -1, "passphrase is too long");
	}
	ps->failed = len < 0;
	ctl_pin_wipe(&p);
	return len;
}

static void token_warn(void *ctx, const char *m)
{
	(void)ctx;
	msg_warn("%s", m);
}

/* ---- step 1: the command line ------------------------------------------------ */

/* "HOST,IP,CERT" (or "CERT" alone when allow_short). */
static int parse_entry(ctl_spec *s, int role, char *arg, bool allow_short, bool blank)
{
	char *host = NULL, *ip = NULL, *cert = NULL, *c1, *c2;
	uint8_t ipb[4];
	X509 *x = NULL;
	ctl_err err;

	c1 = strchr(arg, ',');
	if (!c1) {
		if (!allow_short || blank) {
			msg_error("`%s': expected %s", arg, blank ? "HOST,IP" : "HOST,IP,CERT");
			return EXIT_USAGE;
		}
		cert = arg;
	} else {
		*c1 = '\0';
		host = arg;
		ip = c1 + 1;
		if (blank) {
			if (strchr(ip, ',')) {
				msg_error("--blank takes HOST,IP only");
				return EXIT_USAGE;
			}
		} else {
			if (!(c2 = strchr(ip, ','))) {
				msg_error("`%s,%s': expected HOST,IP,CERT", host, ip);
				return EXIT_USAGE;
			}
			*c2 = '\0';
			cert = c2 + 1;
		}
	}
	if (ip && *ip && inet_pton(AF_INET, ip, ipb) != 1) {
		msg_error("`%s' is not an IPv4 address", ip);
		return EXIT_USAGE;
	}
	if (cert && !*cert) {
		msg_error("empty certificate path");
		return EXIT_USAGE;
	}
	if (cert && ctl_cert_load(cert, &x, &err))
		return report(cert, &err);
	if (ctl_spec_add(s, role, host, ip && *ip ? ipb : NULL, x, blank, cert, &err))
		return report(NULL, &err);
	/* A SAST record without a host is an eToken, as CUCM writes them. */
	s->e[s->n - 1].token = role == CTL_ROLE_SAST && !(host && *host);
	return EXIT_OK;
}

/* Every record of an existing trust list, kept byte for byte: a record the
 * phones hold stays exactly what they hold (names, old-style eToken
 * records with only a PUBLICKEY, fields a rebuild would not write). */
static int add_from(ctl_spec *s, const char *path)
{
	loaded L;
	ctl_err err;
	int rc = EXIT_OK;

	if (load_file(path, &L)) {
		rc = report(path, &L.err);
		goto out;
	}
	for (size_t i = 0; i < L.f->nrec; i++) {
		char src[4096];

		snprintf(src, sizeof(src), "%s record %zu", path, i + 1);
		if (ctl_spec_add_raw(s, &L.f->rec[i], L.buf + L.f->rec[i].off, src, &err)) {
			rc = report(NULL, &err);
			goto out;
		}
	}
out:
	load_free(&L);
	return rc;
}

static int parse_args(struct build *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{"cluster", required_argument, NULL, 'c'},
		{"sast", required_argument, NULL, O_SAST},
		{"ccm-tftp", required_argument, NULL, O_CCM_TFTP},
		{"ccm", required_argument, NULL, O_CCM},
		{"tftp", required_argument, NULL, O_TFTP},
		{"capf", required_argument, NULL, O_CAPF},
		{"tvs", required_argument, NULL, O_TVS},
		{"app-server", required_argument, NULL, O_APP},
		{"firewall", required_argument, NULL, O_FW},
		{"blank", required_argument, NULL, O_BLANK},
		{"from", required_argument, NULL, O_FROM},
		{"itl", no_argument, NULL, O_ITL},
		{"node", required_argument, NULL, O_NODE},
		{"non-secure", no_argument, NULL, O_NONSECURE},
		{"current", required_argument, NULL, O_CURRENT},
		{"first", no_argument, NULL, O_FIRST},
		{"via-tvs", no_argument, NULL, O_VIA_TVS},
		{"key", required_argument, NULL, 'k'},
		{"signer-cert", required_argument, NULL, O_SIGNER_CERT},
		{"pass-source", required_argument, NULL, O_PASS},
		{"sign-with", required_argument, NULL, O_SIGN_WITH},
		{"module", required_argument, NULL, O_MODULE},
		{"pin-source", required_argument, NULL, O_PIN_SOURCE},
		{"pin-env", required_argument, NULL, O_PIN_ENV},
		{"digest", required_argument, NULL, O_DIGEST},
		{"signer-version", required_argument, NULL, O_SIGNER_VERSION},
		{"output", required_argument, NULL, 'o'},
		{"mac", required_argument, NULL, O_MAC},
		{"timestamp", required_argument, NULL, O_TIMESTAMP},
		{"allow-expired", no_argument, NULL, O_ALLOW_EXPIRED},
		{"no-backup", no_argument, NULL, O_NO_BACKUP},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	ctl_spec *spec = &b->spec;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:k:o:jqh", opts, NULL)) != -1) {
		int role = -1;
		bool shortok = false, blank = false;

		switch (c) {
		case 'c': b->cluster_path = optarg; break;
		case O_SAST: role = CTL_ROLE_SAST; shortok = true; break;
		case O_CCM_TFTP: role = CTL_ROLE_CCM_TFTP; break;
		case O_CCM: role = CTL_ROLE_CCM; break;
		case O_TFTP: role = CTL_ROLE_TFTP; break;
		case O_CAPF: role = CTL_ROLE_CAPF; break;
		case O_TVS: role = CTL_ROLE_TVS; break;
		case O_APP: role = CTL_ROLE_APP_SERVER; break;
		case O_FW: role = CTL_ROLE_CCM; break;
		case O_BLANK: role = CTL_ROLE_CCM_TFTP; blank = true; break;
		case O_FROM:
			b->direct = true;
			if ((rc = add_from(spec, optarg)))
				return rc;
			break;
		case O_ITL: spec->itl = b->popts.itl = b->itl = true; break;
		case O_NODE: b->popts.node = optarg; break;
		case O_NONSECURE: b->popts.non_secure = true; break;
		case O_CURRENT:
			if (b->ncurrent == 2) {
				msg_error("--current names what phones hold: one CTL and one ITL at most");
				return EXIT_USAGE;
			}
			b->current[b->ncurrent++] = optarg;
			break;
		case O_FIRST: b->first = true; break;
		case O_VIA_TVS: b->via_tvs = true; break;
		case 'k': b->key = optarg; break;
		case O_SIGNER_CERT: b->signer_cert = optarg; break;
		case O_PASS: b->ps.source = optarg; break;
		case O_SIGN_WITH: b->uri = optarg; break;
		case O_MODULE: b->module = optarg; break;
		case O_PIN_SOURCE: b->pin_source = optarg; break;
		case O_PIN_ENV: b->pin_env = optarg; break;
		case O_DIGEST:
			if (!strcmp(optarg, "sha1")) spec->digest_code = CTL_DIGEST_SHA1;
			else if (!strcmp(optarg, "sha256")) spec->digest_code = CTL_DIGEST_SHA256;
			else if (!strcmp(optarg, "sha512")) spec->digest_code = CTL_DIGEST_SHA512;
			else {
				msg_error("--digest: `%s' is not sha1, sha256 or sha512", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_SIGNER_VERSION:
			if (!strcmp(optarg, "1.0")) spec->signer_version = 10;
			else if (!strcmp(optarg, "1.1")) spec->signer_version = 11;
			else {
				msg_error("--signer-version: `%s' is not 1.0 or 1.1", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o': b->output = optarg; break;
		case O_MAC: b->mac_arg = optarg; break;
		case O_TIMESTAMP: b->ts_arg = optarg; break;
		case O_ALLOW_EXPIRED: spec->allow_expired = true; break;
		case O_NO_BACKUP: b->backup = false; break;
		case 'j': b->json = true; break;
		case 'q': cli_quiet = true; break;
		case 'h': build_usage(stdout); return -1;
		default: return cli_bad_option("build", argc, argv, opts);
		}
		if (role >= 0) {
			b->direct = true;
			if ((rc = parse_entry(spec, role, optarg, shortok, blank)))
				return rc;
		}
	}
	if (optind != argc) {
		msg_error("build: unexpected argument `%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (b->cluster_path && b->direct) {
		msg_error("build: give either --cluster or record options, not both");
		return EXIT_USAGE;
	}
	if (!b->cluster_path && !b->direct) {
		msg_error("build: nothing to build: give --cluster FILE or record options (see --help)");
		return EXIT_USAGE;
	}
	if (b->key && b->uri) {
		msg_error("build: give either --key or --sign-with, not both");
		return EXIT_USAGE;
	}
	if (b->first && b->via_tvs) {
		msg_error("build: --first (phones hold nothing) and --via-tvs exclude each other");
		return EXIT_USAGE;
	}
	if (b->itl && b->uri) {
		msg_error("build: ITLs are never signed by eTokens: CUCM signs them with ITLRecovery "
			  "(12.0 and later) or the TFTP node's CallManager key; give --key");
		return EXIT_USAGE;
	}
	if (!b->cluster_path && (b->popts.node || b->popts.non_secure)) {
		msg_error("build: --node and --non-secure go with --cluster");
		return EXIT_USAGE;
	}
	if (b->mac_arg && !ctl_mac_parse(b->mac_arg, b->mac)) {
		msg_error("--mac: `%s' is not a MAC address (12 hex digits, with or without "
			  "`:' or `-' between pairs, optionally after SEP)", b->mac_arg);
		return EXIT_USAGE;
	}
	{
		const char *t = b->ts_arg ? b->ts_arg : getenv("SOURCE_DATE_EPOCH");
		char *end;
		unsigned long long v;

		if (t) {
			errno = 0;
			v = strtoull(t, &end, 10);
			if (errno || !*t || *end || v > UINT32_MAX || t[0] == '-') {
				msg_error("%s: `%s' is not a Unix time",
					  b->ts_arg ? "--timestamp" : "SOURCE_DATE_EPOCH", t);
				return EXIT_USAGE;
			}
			spec->timestamp = (uint32_t)v;
		} else {
			spec->timestamp = (uint32_t)time(NULL);
		}
	}
	spec->now = time(NULL);
	if (!b->output) {
		snprintf(b->outbuf, sizeof(b->outbuf), "%s%s%s.tlv", b->itl ? "ITL" : "CTL",
			 b->mac[0] ? "SEP" : "File", b->mac);
		b->output = b->outbuf;
	}
	return EXIT_OK;
}

/* ---- step 2: records and signer ------------------------------------------------ */

static int assemble(struct build *b)
{
	ctl_err err;

	if (b->cluster_path) {
		ctl_cluster *c;

		if (ctl_cluster_load(b->cluster_path, &b->cluster, &err))
			return report(NULL, &err);
		c = b->cluster;
		if (b->spec.digest_code == CTL_DIGEST_SHA1)
			b->spec.digest_code = c->digest_code;
		if (c->signer_version && b->spec.signer_version < 0)
			b->spec.signer_version = c->signer_version;
		if (ctl_plan_cluster(c, &b->popts, &b->spec, &b->plan, &b->w, &err))
			return report(NULL, &err);
		if (b->plan.note)
			msg_warn("%s", b->plan.note);
		if (!b->key && !b->uri) {
			if (b->plan.kind == CTL_SIGNER_TOKEN)
				b->uri = b->plan.uri;
			else if (b->plan.key_path)
				b->key = b->plan.key_path;
			else {
				msg_error("`%s': no key for the signer (%s): set its -key in the cluster "
					  "file, or pass --key", b->cluster_path, b->plan.describe);
				return EXIT_USAGE;
			}
		}
		if (!b->signer_cert && (!b->uri || b->uri == b->plan.uri))
			b->signer_cert = b->plan.cert_path;
	}
	if (!b->key && !b->uri) {
		msg_error("build: no signing key: give --key FILE or --sign-with pkcs11:URI");
		return EXIT_USAGE;
	}
	if (b->key && (b->pin_source || b->pin_env || b->module)) {
		msg_error("build: --pin-source, --pin-env and --module go with --sign-with");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* ---- step 3: what phones hold ----------------------------------------------------- */

/* What phones hold is mostly the certificates this build loaded: a held
 * record carrying one of them takes it, decoded, rather than decoding it
 * again (ctl_rec_cert_adopt compares the DER). */
static void held_adopt(struct build *b)
{
	held_file *h[] = {&b->hl.ctl, &b->hl.itl};

	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; h[k]->set && i < h[k]->L.f->nrec; i++)
			for (size_t j = 0; j < b->spec.n; j++)
				if (b->spec.e[j].cert &&
				    ctl_rec_cert_adopt(&h[k]->L.f->rec[i], b->spec.e[j].cert))
					break;
}

static int find_held(struct build *b)
{
	held_file *mine = b->itl ? &b->hl.itl : &b->hl.ctl;
	const char *kind = b->itl ? "ITL" : "CTL";
	struct stat st;
	int rc;

	for (size_t i = 0; i < b->ncurrent; i++)
		if ((rc = held_take(&b->hl, b->current[i], "--current", HELD_ANY)))
			return rc;
	/* The cluster file's current-ctl/current-itl, unless the command line
	 * names that kind, or says with --first that phones hold none of it. */
	if (b->cluster) {
		if (b->cluster->current_ctl && !b->hl.ctl.set && !(b->first && !b->itl) &&
		    (rc = held_take(&b->hl, b->cluster->current_ctl, "current-ctl", HELD_CTL)))
			return rc;
		if (b->cluster->current_itl && !b->hl.itl.set && !(b->first && b->itl) &&
		    (rc = held_take(&b->hl, b->cluster->current_itl, "current-itl", HELD_ITL)))
			return rc;
	}
	if (b->first && mine->set) {
		msg_error("build: --first says phones hold no %s, but %s names `%s'", kind,
			  mine->from, mine->L.path);
		return EXIT_USAGE;
	}
	if (!mine->set && !b->first && lstat(b->output, &st) == 0 && S_ISREG(st.st_mode)) {
		loaded probe;

		if (load_file_ex(b->output, b->hl.parse_flags, &probe)) {
			int prc = report(b->output, &probe.err);
			msg_error("`%s' exists but cannot be read as a %s, so what phones hold is not "
				  "known: name it with --current FILE, or move it away and say --first "
				  "if phones hold no %s yet", b->output, kind, kind);
			load_free(&probe);
			return prc;
		}
		if ((rc = held_put(&b->hl, &probe, "the output file", b->itl ? HELD_ITL : HELD_CTL)))
			return rc;
	}
	if (!mine->set && !b->first && !(b->itl && b->hl.ctl.set)) {
		msg_error("build: what do phones hold now? `%s' does not exist: name the %s phones "
			  "hold with --current FILE (or current-%s in the cluster file), or say "
			  "--first if they hold no %s yet", b->output, kind, b->itl ? "itl" : "ctl", kind);
		return EXIT_USAGE;
	}
	held_view(&b->hl, &b->held);
	b->held.ctl_known |= b->first && !b->itl;
	b->held.itl_known |= b->first && b->itl;
	return EXIT_OK;
}

/* The TVS as the model needs it: from the cluster file, or from the records
 * given (an ITL's TVS records). */
static int tvs_view(struct build *b)
{
	ctl_err err;

	if (b->cluster) {
		if (ctl_plan_tvs_view(b->cluster, NULL, &b->tv, &err))
			return report(NULL, &err);
		return EXIT_OK;
	}
	b->tv.from = "the records given";
	for (size_t i = 0; i < b->spec.n; i++) {
		const ctl_entry *e = &b->spec.e[i];
		bool tvs = e->role == CTL_ROLE_TVS;

		if (!e->cert || !(tvs || e->role == CTL_ROLE_SAST || e->role == CTL_ROLE_CCM ||
				  e->role == CTL_ROLE_CCM_TFTP || e->role == CTL_ROLE_TFTP))
			continue;
		if (ctl_tvs_view_add(&b->tv, tvs, e->cert, e->dns, &err))
			return report(NULL, &err);
	}
	return EXIT_OK;
}

/* ---- step 4: judge the signer ------------------------------------------------------- */

/* Would phones take this file signed by cert? Prints a refusal and returns
 * EXIT_REFUSED when not. */
static int judge(struct build *b, X509 *cert, bool token_signed)
{
	ctl_phone_result *r = &b->verdict;
	ctl_err err;
	bool trusted;

	if (ctl_phone_judge_cert(&b->held, b->itl, cert, &b->tv, r, &err))
		return report(NULL, &err);
	if (r->verdict == CTL_PHONE_REJECTED || (r->verdict == CTL_PHONE_VIA_TVS && !b->via_tvs)) {
		print_refusal(&b->held, b->itl, r);
		msg_error("nothing was signed or written%s", b->uri ? "; no PIN was asked for" : "");
		b->refused = true;
		return EXIT_REFUSED;
	}
	trusted = r->verdict == CTL_PHONE_ACCEPTED;
	if (ctl_token_rules(&b->spec, cert, token_signed, b->held.ctl, trusted, &err)) {
		report(NULL, &err);
		msg_error("nothing was signed or written%s", b->uri ? "; no PIN was asked for" : "");
		b->refused = true;
		return EXIT_REFUSED;
	}
	if (r->verdict == CTL_PHONE_VIA_TVS)
		msg_warn("--via-tvs: %s; %s", r->why, r->caveat);
	if (!X509_up_ref(cert)) {
		msg_error("out of memory");
		return EXIT_INTERNAL;
	}
	X509_free(b->judged);
	b->judged = cert;
	return EXIT_OK;
}

/* The token's certificate, before any login: a SAST record of the file,
 * and one phones will take, or the PIN is not asked for. */
static ctl_status token_check(void *ctx, X509 *cert, ctl_err *err)
{
	struct build *b = ctx;
	int idx;

	if (ctl_spec_signer_index(&b->spec, cert, "the token's certificate", &idx, err))
		return ctl_err_append(err, ". No PIN was asked for.");
	if (ctl_cert_eq(b->judged, cert))
		return CTL_OK;
	if (judge(b, cert, true))
		return CTL_E_REFUSED;   /* said already */
	return CTL_OK;
}

/* The token's certificate is most often one of the SAST certificates
 * given: take that one rather than decode it again. */
static X509 *token_known(void *ctx, const uint8_t *der, size_t len)
{
	struct build *b = ctx;

	for (size_t i = 0; i < b->spec.n; i++) {
		X509 *x = b->spec.e[i].cert;

		if (ctl_cert_der_is(x, der, len) && X509_up_ref(x))
			return x;
	}
	return NULL;
}

static int load_cert(const char *path, X509 **x)
{
	ctl_err err;

	if (ctl_cert_load(path, x, &err))
		return report(path, &err);
	return EXIT_OK;
}

/* Judge the signer before opening a key or a token, when its certificate
 * is known; for a PEM key whose certificate is found by matching, refuse
 * early when no SAST record at all would be taken by phones. */
static int judge_early(struct build *b)
{
	X509 *x = NULL;
	int rc;

	if (b->signer_cert) {
		if ((rc = load_cert(b->signer_cert, &x)))
			return rc;
		char who[CTL_PATH_MAX + 32];
		int idx;
		ctl_err err;

		snprintf(who, sizeof(who), "the signer certificate `%s'", b->signer_cert);
		if (ctl_spec_signer_index(&b->spec, x, who, &idx, &err)) {
			X509_free(x);
			return report(NULL, &err);
		}
		rc = judge(b, x, b->uri != NULL);
		X509_free(x);
		return rc;
	}
	if (b->uri)
		return EXIT_OK;   /* judged in token_check, before the login */
	for (size_t i = 0; i < b->spec.n; i++) {
		ctl_phone_result r;
		ctl_err err;

		if (b->spec.e[i].role == CTL_ROLE_SAST && b->spec.e[i].cert &&
		    !ctl_phone_judge_cert(&b->held, b->itl, b->spec.e[i].cert, &b->tv, &r, &err) &&
		    (r.verdict == CTL_PHONE_ACCEPTED || (r.verdict == CTL_PHONE_VIA_TVS && b->via_tvs)))
			return EXIT_OK;
	}
	/* None would do: say so with the first SAST record's verdict. */
	for (size_t i = 0; i < b->spec.n; i++)
		if (b->spec.e[i].role == CTL_ROLE_SAST && b->spec.e[i].cert)
			return judge(b, b->spec.e[i].cert, false);
	return EXIT_OK;
}

/* ---- step 5: sign ----------------------------------------------------------------- */

static int open_signer(struct build *b)
{
	ctl_err err;
	int rc;

	if (b->uri) {
		ctl_token_opts to = {
			.uri = b->uri, .module = b->module,
			.pin = {.source = b->pin_source, .env = b->pin_env,
				.interactive = !b->pin_source && !b->pin_env},
			.warn = token_warn,
			.check_cert = token_check,
			.known_cert = token_known,
			.ctx = b,
		};
		if (ctl_token_signer_open(&to, &b->signer, &err)) {
			if (b->refused)
				return EXIT_REFUSED;
			return report(NULL, &err);
		}
		return EXIT_OK;
	}
	if (ctl_pem_signer_open(b->key, get_pass, &b->ps, &b->signer, &b->w, &err))
		return b->ps.failed ? report(b->key, &b->ps.err) : report(NULL, &err);
	if (b->signer_cert) {
		X509 *x = NULL;

		if ((rc = load_cert(b->signer_cert, &x)))
			return rc;
		rc = ctl_signer_set_cert(b->signer, x, b->signer_cert, &err) ? report(NULL, &err) : 0;
		X509_free(x);
		return rc;
	}
	for (size_t i = 0; i < b->spec.n && !b->signer->cert; i++)
		if (b->spec.e[i].role == CTL_ROLE_SAST && b->spec.e[i].cert &&
		    ctl_signer_matches(b->signer, b->spec.e[i].cert) &&
		    ctl_signer_set_cert(b->signer, b->spec.e[i].cert, b->spec.e[i].source, &err))
			return report(NULL, &err);
	if (!b->signer->cert) {
		msg_error("key `%s' belongs to none of the SAST certificates given; "
			  "the signer must be a SAST record (add --sast, or name "
			  "--signer-cert)", b->key);
		return EXIT_REFUSED;
	}
	return judge(b, b->signer->cert, false);
}

/* ---- step 6: write and report ---------------------------------------------------- */

static void summary(struct build *b, const ctl_file *built)
{
	const held_file *prev = b->itl ? &b->hl.itl : &b->hl.ctl;
	const char *kept = prev->set && !strcmp(prev->from, "the output file")
				   ? (b->backup ? " (the previous file, kept as .bak)" : " (the previous file)")
				   : "";
	ctl_diff d;
	ctl_err err;
	char desc[CTL_TEXT_ROOM(sizeof(b->signer->desc))], why[CTL_TEXT_ROOM(CTL_PHONE_MSG)];

	fprintf(stderr, "ctlsign: wrote %s (%zu bytes, %zu records), signed with %s%s%s\n",
		b->output, b->flen, b->spec.n, ctl_text_safe(b->signer->desc, desc, sizeof(desc), 0),
		b->plan.describe ? ": " : "", b->plan.describe ? b->plan.describe : "");
	fprintf(stderr, "ctlsign: phones: %s: %s\n", ctl_phone_verdict_word(b->verdict.verdict),
		ctl_text_safe(b->verdict.why, why, sizeof(why), CTL_TEXT_LINES));
	if (!prev->set || !built)
		return;
	if (ctl_diff_files(prev->L.f, built, &d, &err)) {
		report(NULL, &err);
		return;
	}
	fprintf(stderr, "ctlsign: changes against %s%s, what phones hold:\n", prev->L.path, kept);
	print_changes(stderr, "  ", prev->L.f, built, &d);
	ctl_diff_free(&d);
}

static void print_json(struct build *b, const ctl_file *built)
{
	const held_file *prev = b->itl ? &b->hl.itl : &b->hl.ctl;
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen;
	ctl_certinfo ci;
	ctl_diff d;
	ctl_err err;

	json_object_object_add(o, "output", json_text(b->output));
	json_object_object_add(o, "kind", json_object_new_string(b->itl ? "ITL" : "CTL"));
	json_object_object_add(o, "length", json_object_new_int64((int64_t)b->flen));
	EVP_Digest(b->file, b->flen, md, &mdlen, EVP_sha1(), NULL);
	json_object_object_add(o, "sha1", json_hex(md, mdlen));
	json_object_object_add(o, "records", json_object_new_int64((int64_t)b->spec.n));
	json_object_object_add(o, "timestamp", json_object_new_int64(b->spec.timestamp));
	json_object_object_add(o, "signer", json_text(b->signer->desc));
	if (!ctl_certinfo_get(b->signer->cert, &ci, NULL)) {
		json_object_object_add(o, "signer_subject", json_text(ci.subject));
		ctl_certinfo_free(&ci);
	}
	json_object_object_add(o, "held", prev->set ? json_text(prev->L.path) : NULL);
	json_object_object_add(o, "phones", verdict_json(&b->verdict));
	if (prev->set && built && !ctl_diff_files(prev->L.f, built, &d, &err)) {
		json_object_object_add(o, "changes", changes_json(prev->L.f, built, &d));
		ctl_diff_free(&d);
	} else {
		json_object_object_add(o, "changes", NULL);
	}
	for (size_t i = 0; i < b->w.n; i++)
		json_object_array_add(a, json_text(b->w.msg[i]));
	json_object_object_add(o, "warnings", a);
	json_print(o);
	json_object_put(o);
}

static int sign_and_write(struct build *b)
{
	ctl_write_opts wo = {.mode = 0644, .backup = b->backup, .locked = 1};
	ctl_file *built = NULL;
	ctl_err err;

	if (ctl_build(&b->spec, b->signer, &b->file, &b->flen, &b->w, &err))
		return report(NULL, &err);
	for (size_t i = 0; i < b->w.n; i++)
		msg_warn("%s", b->w.msg[i]);
	cli_undo_write_on_signals();
	if (ctl_write_atomic(b->output, b->file, b->flen, &wo, &err))
		return report(b->output, &err);
	/* ctl_build parsed and verified it already: this cannot fail but for
	 * memory. Only for what is printed, and certificates only as needed. */
	if ((b->json || !cli_quiet) &&
	    ctl_parse_ex(b->file, b->flen, CTL_PARSE_BORROW | CTL_PARSE_LAZY, &built, &err))
		built = NULL;
	if (b->json)
		print_json(b, built);
	else if (!cli_quiet)
		summary(b, built);
	ctl_free(built);
	return EXIT_OK;
}

static void lock_waiting(void *ctx, const char *lock)
{
	(void)ctx;
	if (!cli_quiet)
		fprintf(stderr, "ctlsign: another build is writing this output; waiting for `%s'\n",
			lock);
}

int build_main(int argc, char **argv)
{
	struct build b = {.backup = true, .lockfd = -1, .hl = {.parse_flags = CTL_PARSE_LAZY}};
	ctl_err err;
	int rc;

	b.spec.digest_code = CTL_DIGEST_SHA1;
	b.spec.signer_version = -1;
	if ((rc = parse_args(&b, argc, argv)) || (rc = assemble(&b)))
		goto out;
	/* One build of an output at a time, from reading what phones hold (the
	 * output itself, often) to the rename: the next one judges against
	 * what this one wrote. */
	if (ctl_output_lock(b.output, lock_waiting, NULL, &b.lockfd, &err)) {
		rc = report(b.output, &err);
		goto out;
	}
	if ((rc = find_held(&b)))
		goto out;
	held_adopt(&b);
	if (ctl_spec_keep_held_strings(&b.spec, b.itl ? b.held.itl : b.held.ctl) < 0) {
		msg_error("out of memory");
		rc = EXIT_INTERNAL;
		goto out;
	}
	if (ctl_spec_check(&b.spec, &b.w, &err)) {
		rc = report(NULL, &err);
		goto out;
	}
	if ((rc = tvs_view(&b)) || (rc = judge_early(&b)) || (rc = open_signer(&b)))
		goto out;
	if (!ctl_cert_eq(b.judged, b.signer->cert) &&
	    (rc = judge(&b, b.signer->cert, b.uri != NULL)))
		goto out;
	rc = sign_and_write(&b);
out:
	if (rc < 0)
		rc = EXIT_OK;   /* --help */
	free(b.file);
	ctl_signer_free(b.signer);
	ctl_plan_free(&b.plan);
	ctl_cluster_free(b.cluster);
	ctl_spec_free(&b.spec);
	ctl_warnings_free(&b.w);
	ctl_tvs_view_free(&b.tv);
	X509_free(b.judged);
	held_free(&b.hl);
	ctl_output_unlock(b.lockfd);
	return rc;
}

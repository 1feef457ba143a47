/* ctlsign build: certificates in, a signed and verified CTL/ITL out. */
#include "cli.h"
#include "load.h"

#include "build.h"
#include "cluster.h"
#include "io.h"
#include "pin.h"
#include "plan.h"
#include "token.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void build_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctlsign build [options] (--cluster FILE | record options)\n\n"
		"Build CTLFile.tlv (or, with --itl, ITLFile.tlv) from the cluster's\n"
		"certificates, sign it, parse and verify the result, then write it\n"
		"atomically (temporary file, fsync, rename; the old file kept as NAME.bak).\n\n"
		"Input:\n"
		"  -c, --cluster FILE        cluster description (INI, docs/cluster-file.md)\n"
		"      --sast [HOST,IP,]CERT SAST record (eToken, or CallManager/ITLRecovery)\n"
		"      --ccm-tftp HOST,IP,CERT   --ccm HOST,IP,CERT   --tftp HOST,IP,CERT\n"
		"      --capf HOST,IP,CERT       --tvs HOST,IP,CERT (ITL only)\n"
		"      --app-server HOST,IP,CERT --firewall HOST,IP,CERT (ASA, a CCM record)\n"
		"      --blank HOST,IP           blanked CCM+TFTP record (non-secure mode)\n"
		"      --from FILE               every record of an existing CTL/ITL\n"
		"                            records are written in the order given; HOST or\n"
		"                            IP may be empty; CERT is PEM or DER\n"
		"      --itl                 build an ITL instead of a CTL\n"
		"      --node NAME           with --cluster --itl: the TFTP node (default publisher)\n"
		"      --non-secure          with --cluster: blank the CCM/TFTP records\n\n"
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
		"(expired certificate, key/signer mismatch, signer not a SAST record, size),\n"
		"6 wrong PIN or passphrase / token error, 7 token not present, 130 interrupted.\n");
}

enum {
	O_SAST = 256, O_CCM_TFTP, O_CCM, O_TFTP, O_CAPF, O_TVS, O_APP, O_FW, O_BLANK,
	O_ITL, O_NODE, O_NONSECURE, O_SIGNER_CERT, O_PASS, O_SIGN_WITH, O_MODULE,
	O_PIN_SOURCE, O_PIN_ENV, O_DIGEST, O_SIGNER_VERSION, O_MAC, O_TIMESTAMP,
	O_ALLOW_EXPIRED, O_NO_BACKUP, O_FROM,
};

struct pass_src {
	const char *source;
	bool failed;
	ctl_err err;
};

static bool have_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

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
	else if (have_tty())
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

/* Before any login: the token's certificate must be a SAST record of the
 * file being built, or the token is the wrong one and its PIN is not asked. */
static ctl_status token_cert_is_sast(void *ctx, X509 *cert, ctl_err *err)
{
	const ctl_spec *s = ctx;
	char *subj;

	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].role == CTL_ROLE_SAST && !s->e[i].blank && s->e[i].cert &&
		    X509_cmp(s->e[i].cert, cert) == 0)
			return CTL_OK;
	subj = ctl_name_string(X509_get_subject_name(cert));
	ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
		    "the token's certificate (%s) is not one of the file's SAST records; "
		    "phones could never verify it (add it with --sast). No PIN was asked for.",
		    subj ? subj : "?");
	free(subj);
	return CTL_E_REFUSED;
}

static void token_warn(void *ctx, const char *m)
{
	(void)ctx;
	msg_warn("%s", m);
}

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
	return EXIT_OK;
}

/* Every record of an existing trust list, as entries: rebuilding them gives
 * the same record bytes when the file was written in CUCM's layout. */
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
		const ctl_record *r = &L.f->rec[i];
		const ctl_tlv *dns = ctl_rec_find(r, CTL_R_DNSNAME);
		const ctl_tlv *ip = ctl_rec_find(r, CTL_R_IPADDRESS);
		char src[4096];

		snprintf(src, sizeof(src), "%s record %zu", path, i + 1);
		if (r->cert && !X509_up_ref(r->cert)) {
			rc = EXIT_INTERNAL;
			goto out;
		}
		if (ctl_spec_add(s, ctl_rec_function(r), dns ? ctl_tlv_str(dns) : NULL,
				 ip ? ip->val : NULL, r->cert, r->cert == NULL, src, &err)) {
			rc = report(NULL, &err);
			goto out;
		}
	}
out:
	load_free(&L);
	return rc;
}

/* Undo a write in progress on SIGINT/SIGTERM/SIGHUP, then die of it. */
static void on_signal(int sig)
{
	if (ctl_write_abort(sig))
		return; /* the writing thread undoes it, then gets the signal */
	signal(sig, SIG_DFL);
	raise(sig);
}

int build_main(int argc, char **argv)
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
	ctl_spec spec = {.digest_code = CTL_DIGEST_SHA1, .signer_version = -1};
	ctl_warnings w = {0};
	ctl_plan plan = {0};
	ctl_plan_opts popts = {0};
	ctl_cluster *cluster = NULL;
	ctl_signer *signer = NULL;
	struct pass_src ps = {0};
	const char *cluster_path = NULL, *key = NULL, *signer_cert = NULL, *uri = NULL;
	const char *module = NULL, *pin_source = NULL, *pin_env = NULL, *output = NULL;
	const char *mac_arg = NULL, *ts_arg = NULL;
	char mac[13] = "";
	bool json = false, backup = true, direct = false;
	uint8_t *file = NULL;
	size_t flen = 0;
	char outbuf[64];
	ctl_err err;
	int c, rc = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:k:o:jqh", opts, NULL)) != -1) {
		int role = -1;
		bool shortok = false, blank = false;

		switch (c) {
		case 'c': cluster_path = optarg; break;
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
			direct = true;
			if ((rc = add_from(&spec, optarg)))
				goto out;
			break;
		case O_ITL: spec.itl = popts.itl = true; break;
		case O_NODE: popts.node = optarg; break;
		case O_NONSECURE: popts.non_secure = true; break;
		case 'k': key = optarg; break;
		case O_SIGNER_CERT: signer_cert = optarg; break;
		case O_PASS: ps.source = optarg; break;
		case O_SIGN_WITH: uri = optarg; break;
		case O_MODULE: module = optarg; break;
		case O_PIN_SOURCE: pin_source = optarg; break;
		case O_PIN_ENV: pin_env = optarg; break;
		case O_DIGEST:
			if (!strcmp(optarg, "sha1")) spec.digest_code = CTL_DIGEST_SHA1;
			else if (!strcmp(optarg, "sha256")) spec.digest_code = CTL_DIGEST_SHA256;
			else if (!strcmp(optarg, "sha512")) spec.digest_code = CTL_DIGEST_SHA512;
			else {
				msg_error("--digest: `%s' is not sha1, sha256 or sha512", optarg);
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		case O_SIGNER_VERSION:
			if (!strcmp(optarg, "1.0")) spec.signer_version = 10;
			else if (!strcmp(optarg, "1.1")) spec.signer_version = 11;
			else {
				msg_error("--signer-version: `%s' is not 1.0 or 1.1", optarg);
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		case 'o': output = optarg; break;
		case O_MAC: mac_arg = optarg; break;
		case O_TIMESTAMP: ts_arg = optarg; break;
		case O_ALLOW_EXPIRED: spec.allow_expired = true; break;
		case O_NO_BACKUP: backup = false; break;
		case 'j': json = true; break;
		case 'q': cli_quiet = true; break;
		case 'h': build_usage(stdout); goto out;
		default: build_usage(stderr); rc = EXIT_USAGE; goto out;
		}
		if (role >= 0) {
			direct = true;
			if ((rc = parse_entry(&spec, role, optarg, shortok, blank)))
				goto out;
		}
	}
	if (optind != argc) {
		msg_error("build: unexpected argument `%s'", argv[optind]);
		rc = EXIT_USAGE;
		goto out;
	}
	if (cluster_path && direct) {
		msg_error("build: give either --cluster or record options, not both");
		rc = EXIT_USAGE;
		goto out;
	}
	if (!cluster_path && !direct) {
		msg_error("build: nothing to build: give --cluster FILE or record options (see --help)");
		rc = EXIT_USAGE;
		goto out;
	}
	if (key && uri) {
		msg_error("build: give either --key or --sign-with, not both");
		rc = EXIT_USAGE;
		goto out;
	}
	if (mac_arg && !ctl_mac_parse(mac_arg, mac)) {
		msg_error("--mac: `%s' is not a MAC address (12 hex digits, with or without "
			  "`:' or `-' between pairs, optionally after SEP)", mac_arg);
		rc = EXIT_USAGE;
		goto out;
	}
	{
		const char *t = ts_arg ? ts_arg : getenv("SOURCE_DATE_EPOCH");
		char *end;
		unsigned long long v;

		if (t) {
			errno = 0;
			v = strtoull(t, &end, 10);
			if (errno || !*t || *end || v > UINT32_MAX || t[0] == '-') {
				msg_error("%s: `%s' is not a Unix time", ts_arg ? "--timestamp" : "SOURCE_DATE_EPOCH", t);
				rc = EXIT_USAGE;
				goto out;
			}
			spec.timestamp = (uint32_t)v;
		} else {
			spec.timestamp = (uint32_t)time(NULL);
		}
	}
	spec.now = time(NULL);

	if (cluster_path) {
		if (ctl_cluster_load(cluster_path, &cluster, &err)) {
			rc = report(NULL, &err);
			goto out;
		}
		if (!cluster->digest || !strcmp(cluster->digest, "sha1"))
			;
		else if (!strcmp(cluster->digest, "sha256"))
			spec.digest_code = CTL_DIGEST_SHA256;
		else if (!strcmp(cluster->digest, "sha512"))
			spec.digest_code = CTL_DIGEST_SHA512;
		if (cluster->signer_version && spec.signer_version < 0)
			spec.signer_version = !strcmp(cluster->signer_version, "1.1") ? 11 : 10;
		if (ctl_plan_cluster(cluster, &popts, &spec, &plan, &w, &err)) {
			rc = report(NULL, &err);
			goto out;
		}
		if (!key && !uri) {
			if (plan.kind == CTL_SIGNER_TOKEN)
				uri = plan.uri;
			else if (plan.key_path)
				key = plan.key_path;
			else {
				msg_error("`%s': no key for the signer (%s): set its -key in the cluster "
					  "file, or pass --key", cluster_path, plan.describe);
				rc = EXIT_USAGE;
				goto out;
			}
		}
		if (!signer_cert && !uri)
			signer_cert = plan.cert_path;
	} else if (popts.node || popts.non_secure) {
		msg_error("build: --node and --non-secure go with --cluster");
		rc = EXIT_USAGE;
		goto out;
	}
	if (!spec.itl)
		for (size_t i = 0; i < spec.n; i++)
			if (spec.e[i].role == CTL_ROLE_TVS) {
				msg_error("TVS certificates belong in the ITL, never in the CTL (use --itl)");
				rc = EXIT_USAGE;
				goto out;
			}

	if (uri) {
		ctl_token_opts to = {
			.uri = uri, .module = module,
			.pin = {.source = pin_source, .env = pin_env,
				.interactive = !pin_source && !pin_env},
			.warn = token_warn,
			.check_cert = token_cert_is_sast,
			.ctx = &spec,
		};
		if (ctl_token_signer_open(&to, &signer, &err)) {
			rc = report(NULL, &err);
			goto out;
		}
	} else if (key) {
		if (pin_source || pin_env || module) {
			msg_error("build: --pin-source, --pin-env and --module go with --sign-with");
			rc = EXIT_USAGE;
			goto out;
		}
		if (ctl_pem_signer_open(key, get_pass, &ps, &signer, &w, &err)) {
			rc = ps.failed ? report(key, &ps.err) : report(NULL, &err);
			goto out;
		}
		if (signer_cert) {
			X509 *x = NULL;
			if (ctl_cert_load(signer_cert, &x, &err)) {
				rc = report(signer_cert, &err);
				goto out;
			}
			rc = ctl_signer_set_cert(signer, x, signer_cert, &err) ? report(NULL, &err) : 0;
			X509_free(x);
			if (rc)
				goto out;
		} else {
			for (size_t i = 0; i < spec.n && !signer->cert; i++)
				if (spec.e[i].role == CTL_ROLE_SAST && spec.e[i].cert &&
				    ctl_signer_matches(signer, spec.e[i].cert))
					ctl_signer_set_cert(signer, spec.e[i].cert, spec.e[i].source, &err);
			if (!signer->cert) {
				msg_error("key `%s' belongs to none of the SAST certificates given; "
					  "the signer must be a SAST record (add --sast, or name "
					  "--signer-cert)", key);
				rc = EXIT_REFUSED;
				goto out;
			}
		}
	} else {
		msg_error("build: no signing key: give --key FILE or --sign-with pkcs11:URI");
		rc = EXIT_USAGE;
		goto out;
	}

	if (ctl_build(&spec, signer, &file, &flen, &w, &err)) {
		rc = report(NULL, &err);
		goto out;
	}
	if (!output) {
		snprintf(outbuf, sizeof(outbuf), "%s%s%s.tlv", spec.itl ? "ITL" : "CTL",
			 mac[0] ? "SEP" : "File", mac);
		output = outbuf;
	}
	for (size_t i = 0; i < w.n; i++)
		msg_warn("%s", w.msg[i]);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	{
		ctl_write_opts wo = {.mode = 0644, .backup = backup};
		if (ctl_write_atomic(output, file, flen, &wo, &err)) {
			rc = report(output, &err);
			goto out;
		}
	}
	if (json) {
		json_object *o = json_object_new_object(), *a = json_object_new_array();
		uint8_t md[EVP_MAX_MD_SIZE];
		unsigned mdlen;
		ctl_certinfo ci;

		json_object_object_add(o, "output", json_object_new_string(output));
		json_object_object_add(o, "kind", json_object_new_string(spec.itl ? "ITL" : "CTL"));
		json_object_object_add(o, "length", json_object_new_int64((int64_t)flen));
		EVP_Digest(file, flen, md, &mdlen, EVP_sha1(), NULL);
		json_object_object_add(o, "sha1", json_hex(md, mdlen));
		json_object_object_add(o, "records", json_object_new_int64((int64_t)spec.n));
		json_object_object_add(o, "timestamp", json_object_new_int64(spec.timestamp));
		json_object_object_add(o, "signer", json_object_new_string(signer->desc));
		if (!ctl_certinfo_get(signer->cert, &ci, NULL)) {
			json_object_object_add(o, "signer_subject", json_object_new_string(ci.subject));
			ctl_certinfo_free(&ci);
		}
		for (size_t i = 0; i < w.n; i++)
			json_object_array_add(a, json_object_new_string(w.msg[i]));
		json_object_object_add(o, "warnings", a);
		json_print(o);
		json_object_put(o);
	} else if (!cli_quiet) {
		fprintf(stderr, "ctlsign: wrote %s (%zu bytes, %zu records), signed with %s%s%s\n",
			output, flen, spec.n, signer->desc, plan.describe ? ": " : "",
			plan.describe ? plan.describe : "");
	}
out:
	free(file);
	ctl_signer_free(signer);
	ctl_plan_free(&plan);
	ctl_cluster_free(cluster);
	ctl_spec_free(&spec);
	ctl_warnings_free(&w);
	return rc;
}

/* ctlsign fetch: download the trust lists a cluster's TFTP service serves,
 * check them, and only then keep them. */
#include "cli.h"
#include "jsonout.h"
#include "suggest.h"
#include "load.h"

#include "fetch.h"
#include "io.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

static void fetch_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctlsign fetch [options] tftp://HOST[:PORT]/NAME | http://HOST[:PORT]/NAME\n"
		"       ctlsign fetch [options] --tftp HOST[:PORT] | --http HOST[:PORT]\n\n"
		"Download trust lists as phones do (read-only, no credentials), check them\n"
		"(parse, verify the signature), and only then write them. With --tftp or\n"
		"--http: CTLFile.tlv, then ITLFile.tlv; with --mac, the phone's own\n"
		"CTLSEP<MAC>.tlv and ITLSEP<MAC>.tlv, each falling back to the plain name\n"
		"when the server has no per-phone file, as a phone does.\n\n"
		"  -o, --output FILE      where to write the URL's file (default: its NAME)\n"
		"  -d, --dir DIR          folder to write into, made if missing (default: the\n"
		"                         current one)\n"
		"      --tftp HOST[:PORT] the cluster's TFTP server (port 69)\n"
		"      --http HOST[:PORT] its TFTP service over HTTP (port 6970)\n"
		"      --mac MAC          the files of this phone (with --tftp or --http)\n"
		"  -t, --timeout SECONDS  wait this long for an answer or more data (default 5)\n"
		"      --no-backup        do not keep the previous file as NAME.bak\n"
		"  -j, --json             print a JSON summary\n"
		"  -q, --quiet            print only errors\n"
		"  -h, --help             this help\n\n"
		"A file that does not parse or verify is not written and the previous one is\n"
		"left as it was. A server without CTLFile.tlv serves a cluster in non-secure\n"
		"mode: a state, not a fault (exit 4 still tells a script the file is absent).\n\n"
		"Exit status: 0 fetched and verified, 1 signature invalid, 2 usage,\n"
		"3 malformed or larger than 4 MB, 4 not found, network or file error.\n\n"
		"Examples:\n"
		"  ctlsign fetch tftp://cucm-pub/CTLFile.tlv\n"
		"  ctlsign fetch --tftp 192.0.2.10 --mac 00:1A:2B:3C:4D:5E -d phone1\n");
}

struct fopts {
	long timeout_ms;
	bool backup, quiet;
	time_t now;
	json_object *files;   /* JSON entries, NULL without --json */
};

/* What a missing file means, for the names a phone asks for. */
static const char *missing_hint(const char *name)
{
	if (!strncasecmp(name, "CTLSEP", 6))
		return "; a phone then asks for CTLFile.tlv";
	if (!strncasecmp(name, "ITLSEP", 6))
		return "; a phone then asks for ITLFile.tlv";
	if (!strncasecmp(name, "CTL", 3))
		return ": a cluster without a CTL file is in non-secure mode (a state, not a fault)";
	if (!strncasecmp(name, "ITL", 3))
		return ": every CUCM TFTP server serves ITLFile.tlv; check the address and that the "
		       "TFTP service runs there";
	return "";
}

static void jset(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static json_object *jentry(const char *url, const char *name)
{
	static const char *const keys[] = {
		"output", "error", "kind", "length", "md5", "sha1", "sha256", "records",
		"signature_valid", "digest", "key_bits", "timestamp", "timestamp_utc", "signer",
	};
	json_object *j = json_object_new_object();

	jset(j, "url", json_text(url));
	jset(j, "name", json_text(name));
	jset(j, "found", json_object_new_boolean(false));
	jset(j, "written", json_object_new_boolean(false));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		jset(j, keys[i], NULL);
	return j;
}

static void hex_of(const uint8_t *buf, size_t len, const EVP_MD *md, char *out, size_t n)
{
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;

	EVP_Digest(buf, len, d, &dl, md, NULL);
	ctl_hex_encode(d, dl, 0, false, out, n);
}

/* "6 (2 SAST, 3 CCM+TFTP, 1 CAPF)": roles in the order they first appear. */
static void role_counts(const ctl_file *f, char *out, size_t n)
{
	size_t o = (size_t)snprintf(out, n, "%zu", f->nrec);
	bool *done = calloc(f->nrec ? f->nrec : 1, sizeof(*done));

	if (!done)
		return;
	for (size_t i = 0; i < f->nrec && o < n; i++) {
		int fn = ctl_rec_function(&f->rec[i]);
		const char *kw = fn >= 0 ? ctl_role_keyword((unsigned)fn) : NULL;
		size_t count = 0;
		char role[32];

		if (done[i])
			continue;
		for (size_t k = i; k < f->nrec; k++)
			if (!done[k] && ctl_rec_function(&f->rec[k]) == fn) {
				done[k] = true;
				count++;
			}
		if (kw)
			snprintf(role, sizeof(role), "%s", kw);
		else if (fn < 0)
			snprintf(role, sizeof(role), "without role");
		else
			snprintf(role, sizeof(role), "role %d", fn);
		o += (size_t)snprintf(out + o, n - o, "%s%zu %s", i ? ", " : " (", count, role);
	}
	if (f->nrec && o < n)
		snprintf(out + o, n - o, ")");
	free(done);
}

/* Fetch, parse, verify, write and describe one file. Returns the exit code;
 * *not_found tells a file the server does not have. A per-phone name's
 * absence is left to the caller to describe (it falls back). */
static int fetch_one(const struct fopts *o, const char *url, const char *name,
		     const char *output, bool per_phone, bool *not_found)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	ctl_file *f = NULL;
	ctl_verify_result vr;
	ctl_err err;
	ctl_status st;
	json_object *j = o->files ? jentry(url, name) : NULL;
	char md5[64], sha1[64], sha256[80], where[CTL_ERR_MSG + 128], roles[512];
	char when[32], until[32];
	ctl_certinfo ci;
	bool have_ci = false;
	uint32_t ts = 0;
	const char *kind, *signer_subject;
	int rc = EXIT_OK;

	memset(&vr, 0, sizeof(vr));
	ctl_err_clear(&err);
	*not_found = false;
	st = ctl_fetch_url(url, CTL_FILE_MAX, o->timeout_ms, &buf, &len, not_found, &err);
	if (st) {
		if (*not_found && per_phone) {
			if (!o->quiet && !o->files)
				printf("%s: not found%s\n", url, missing_hint(name));
		} else if (*not_found) {
			msg_error("%s%s", err.msg, missing_hint(name));
		} else {
			report(NULL, &err);
		}
		if (j)
			jset(j, "error", json_text(err.msg));
		rc = exit_code_for(st);
		goto out;
	}
	if (j)
		jset(j, "found", json_object_new_boolean(true));
	if ((st = ctl_parse(buf, len, &f, &err))) {
		ctl_err_where(&err, where, sizeof(where));
		msg_error("%s: not written: the downloaded file is malformed: %s", url, where);
		if (j)
			jset(j, "error", json_text(where));
		rc = exit_code_for(st);
		goto out;
	}
	st = ctl_verify(buf, len, f, NULL, o->now, &vr, &err);
	if (j)
		jset(j, "signature_valid", json_object_new_boolean(st == CTL_OK));
	if (st) {
		const char *why = vr.reason[0] ? vr.reason : err.msg;
		msg_error("%s: not written: %s: %s", url,
			  st == CTL_E_VERIFY ? "verification failed" : "cannot verify", why);
		if (j)
			jset(j, "error", json_text(why));
		rc = exit_code_for(st);
		goto out;
	}
	{
		ctl_write_opts wo = {.mode = 0644, .backup = o->backup};
		if (ctl_write_atomic(output, buf, len, &wo, &err)) {
			rc = report(output, &err);
			if (j)
				jset(j, "error", json_text(err.msg));
			goto out;
		}
	}

	kind = ctl_kind(f);
	hex_of(buf, len, EVP_md5(), md5, sizeof(md5));
	hex_of(buf, len, EVP_sha1(), sha1, sizeof(sha1));
	hex_of(buf, len, EVP_sha256(), sha256, sizeof(sha256));
	role_counts(f, roles, sizeof(roles));
	ctl_tlv_u32(ctl_hdr_find(f, CTL_H_TIMESTAMP), &ts);
	ctl_time_iso((time_t)ts, when, sizeof(when));
	if (vr.signer_has_cert && !ctl_verify_signer_info(&vr, f, &ci))
		have_ci = true;
	signer_subject = have_ci ? ci.subject : ctl_tlv_str(ctl_hdr_find(f, CTL_H_SIGNERNAME));

	if (strncasecmp(name, kind, 3) != 0)
		msg_warn("%s: the file asked for as `%s' is %s (FILENAME %s)", url, name,
			 strcmp(kind, "ITL") ? "a CTL" : "an ITL",
			 ctl_tlv_str(ctl_hdr_find(f, CTL_H_FILENAME)));
	if (!strcmp(kind, "ITL") && len > CTL_ITL_MAX_BYTES)
		msg_warn("%s: %zu bytes: phones fail to register once the ITL passes about %u KB",
			 url, len, CTL_ITL_MAX_BYTES / 1024);
	if (have_ci && vr.signer_expired) {
		ctl_time_iso(vr.signer_not_after, until, sizeof(until));
		msg_warn("%s: the signer's certificate expired on %s; the signature itself is valid",
			 url, until);
	}
	if (j) {
		json_object *s = json_object_new_object();
		const ctl_tlv *t = ctl_hdr_find(f, CTL_H_SERIALNUMBER);
		char serial[256];

		ctl_hex_colon(t->val, t->len, serial, sizeof(serial));
		jset(j, "output", json_text(output));
		jset(j, "written", json_object_new_boolean(true));
		jset(j, "kind", json_object_new_string(kind));
		jset(j, "length", json_object_new_int64((int64_t)len));
		jset(j, "md5", json_object_new_string(md5));
		jset(j, "sha1", json_object_new_string(sha1));
		jset(j, "sha256", json_object_new_string(sha256));
		jset(j, "records", json_object_new_int64((int64_t)f->nrec));
		jset(j, "digest", vr.digest_nid ? json_object_new_string(ctl_digest_nid_name(vr.digest_nid))
						: NULL);
		jset(j, "key_bits", json_object_new_int(vr.signer_bits));
		jset(j, "timestamp", json_object_new_int64(ts));
		jset(j, "timestamp_utc", json_object_new_string(when));
		jset(s, "subject", json_text(signer_subject));
		jset(s, "serial", json_object_new_string(have_ci ? ci.serial_hex : serial));
		jset(s, "issuer", json_text(have_ci ? ci.issuer
						    : ctl_tlv_str(ctl_hdr_find(f, CTL_H_CANAME))));
		jset(s, "record", vr.signer_record ? json_object_new_int(vr.signer_record) : NULL);
		jset(j, "signer", s);
	} else if (!o->quiet) {
		char subj[1024], iss[1024];

		ctl_text_safe(signer_subject, subj, sizeof(subj), 0);
		printf("%s: wrote %s (%zu bytes)\n", url, output, len);
		printf("The checksum value of the %s file:\n%s(MD5)\n%s(SHA1)\n", kind, md5, sha1);
		printf("Length of %s file: %zu\n", kind, len);
		printf("records: %s\n", roles);
		printf("signature valid (%s, RSA %d-bit), signed %s\n",
		       ctl_digest_nid_name(vr.digest_nid), vr.signer_bits, when);
		printf("signer: %s (record %d, SAST)\n", subj, vr.signer_record);
		if (have_ci) {
			ctl_text_safe(ci.issuer, iss, sizeof(iss), 0);
			printf("        serial %s, issuer %s\n", ci.serial_hex, iss);
		}
		putchar('\n');
	}
out:
	if (have_ci)
		ctl_certinfo_free(&ci);
	if (j)
		json_object_array_add(o->files, j);
	ctl_free(f);
	free(buf);
	return rc;
}

/* The file name a URL names: its last path segment, if it is a plain one. */
static bool url_name(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://"), *slash, *end;
	size_t len;

	if (!p)
		return false;
	p += 3;
	if (!(slash = strchr(p, '/')))
		return false;
	end = slash + strcspn(slash, "?#");
	while (end > slash && end[-1] != '/')
		end--;
	p = end;
	len = strcspn(p, "?#");
	if (len == 0 || len >= n || (len <= 2 && strspn(p, ".") == len))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	memcpy(out, p, len);
	out[len] = '\0';
	return true;
}

enum { O_TFTP = 256, O_HTTP, O_MAC, O_NO_BACKUP };

int fetch_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"dir", required_argument, NULL, 'd'},
		{"tftp", required_argument, NULL, O_TFTP},
		{"http", required_argument, NULL, O_HTTP},
		{"mac", required_argument, NULL, O_MAC},
		{"timeout", required_argument, NULL, 't'},
		{"no-backup", no_argument, NULL, O_NO_BACKUP},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct fopts o = {.timeout_ms = CTL_FETCH_TIMEOUT_MS, .backup = true, .now = time(NULL)};
	const char *output = NULL, *dir = NULL, *server = NULL, *mac_arg = NULL, *scheme = "tftp";
	char mac[13] = "", host[256], name[256], url[1024], path[4096];
	unsigned port = 0;
	bool json = false, nf = false;
	json_object *root = NULL;
	struct stat st;
	int c, rc = EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:d:t:jqh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'd': dir = optarg; break;
		case O_TFTP:
		case O_HTTP:
			if (server) {
				msg_error("fetch: one server: --tftp or --http, once");
				return EXIT_USAGE;
			}
			server = optarg;
			scheme = c == O_TFTP ? "tftp" : "http";
			break;
		case O_MAC: mac_arg = optarg; break;
		case 't':
			if (!cli_seconds(optarg, &o.timeout_ms)) {
				msg_error("fetch: --timeout `%s': expected seconds, more than 0, at most 3600",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case O_NO_BACKUP: o.backup = false; break;
		case 'j': json = true; break;
		case 'q': o.quiet = cli_quiet = true; break;
		case 'h': fetch_usage(stdout); return EXIT_OK;
		default: return cli_bad_option("fetch", argc, argv, opts);
		}
	}
	if (server ? optind != argc : optind != argc - 1) {
		msg_error(server ? "fetch: --tftp/--http and a URL do not go together"
				 : "fetch: expected one URL (or --tftp HOST)");
		fetch_usage(stderr);
		return EXIT_USAGE;
	}
	if (mac_arg && !server) {
		msg_error("fetch: --mac goes with --tftp or --http");
		return EXIT_USAGE;
	}
	if (mac_arg && !ctl_mac_parse(mac_arg, mac)) {
		msg_error("fetch: --mac `%s': expected 12 hex digits, e.g. 00:1A:2B:3C:4D:5E", mac_arg);
		return EXIT_USAGE;
	}
	if (output && (dir || server)) {
		msg_error("fetch: -o names the one file of a URL; use -d DIR with --tftp/--http");
		return EXIT_USAGE;
	}
	if (dir && stat(dir, &st) != 0 && mkdir(dir, 0755) != 0) {
		msg_error("`%s': cannot create the folder: %s", dir, strerror(errno));
		return EXIT_IO;
	}
	if (dir && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
		msg_error("`%s': not a folder", dir);
		return EXIT_IO;
	}
	cli_undo_write_on_signals();
	if (json) {
		root = json_object_new_object();
		o.files = json_object_new_array();
	}

	if (!server) {
		const char *u = argv[optind];
		if (!ctl_is_url(u)) {
			msg_error("`%s': not a tftp:// or http:// URL", u);
			rc = EXIT_USAGE;
			goto out;
		}
		if (!url_name(u, name, sizeof(name))) {
			if (!output) {
				msg_error("%s: no plain file name at the end of the URL: give -o FILE", u);
				rc = EXIT_USAGE;
				goto out;
			}
			snprintf(name, sizeof(name), "%s", output);
		}
		if (!output) {
			snprintf(path, sizeof(path), "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
			output = path;
		}
		rc = fetch_one(&o, u, name, output, false, &nf);
		goto out;
	}

	if (!ctl_hostport_parse(server, host, sizeof(host), &port)) {
		msg_error("fetch: `%s': expected HOST, HOST:PORT or [IPv6]:PORT", server);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!port)
		port = !strcmp(scheme, "tftp") ? 69 : 6970;
	for (int k = 0; k < 2; k++) {
		const char *base = k ? "ITL" : "CTL";
		int r = EXIT_OK;

		for (int per_phone = mac[0] ? 1 : 0; per_phone >= 0; per_phone--) {
			snprintf(name, sizeof(name), "%s%s%s.tlv", base, per_phone ? "SEP" : "File",
				 per_phone ? mac : "");
			snprintf(url, sizeof(url), "%s://%s%s%s:%u/%s", scheme, strchr(host, ':') ? "[" : "",
				 host, strchr(host, ':') ? "]" : "", port, name);
			snprintf(path, sizeof(path), "%s/%s", dir ? dir : ".", name);
			r = fetch_one(&o, url, name, path, per_phone, &nf);
			if (!nf || !per_phone)
				break;
		}
		if (r != EXIT_OK && rc == EXIT_OK)
			rc = r;
		/* Carry on to the ITL after a missing or refused CTL, not after a
		 * network or disk failure: the next file would only fail the same way. */
		if (r != EXIT_OK && !nf && r != EXIT_MALFORMED && r != EXIT_VERIFY)
			break;
	}
out:
	if (root) {
		json_object_object_add(root, "files", o.files);
		json_print(root);
		json_object_put(root);
	}
	return rc;
}

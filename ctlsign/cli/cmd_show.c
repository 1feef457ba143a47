/* ctlsign show: print a trust list in CUCM's `show ctl` layout. */
#include "cli.h"
#include "describe.h"
#include "suggest.h"
#include "load.h"

#include <getopt.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void show_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctlsign show [--long] [--json] [--trust FILE] [--legacy-digest-codes] FILE\n\n"
		"Print a CTLFile.tlv / ITLFile.tlv the way CUCM's `show ctl` / `show itl`\n"
		"does, then verify its signature.\n\n"
		"  -l, --long        also print the values CUCM leaves out (digest, key size,\n"
		"                    file name, timestamp, public key, IP address, validity)\n"
		"  -j, --json        print one JSON document instead\n"
		"  -t, --trust FILE  verify against the SAST certificates of FILE (a trust list\n"
		"                    or PEM/DER certificates; a file or a tftp:// or http://\n"
		"                    URL) instead of the file's own records\n"
		"      --legacy-digest-codes  read digest codes 3 and 4 as the older numbering\n"
		"                    (3 = SHA-384, 4 = SHA-512) when the signature says so\n"
		"  -h, --help        this help\n\n"
		"Exit status: 0 valid, 1 signature invalid or signer not trusted, 2 usage,\n"
		"3 malformed file, 4 cannot read the file.\n\n"
		"Examples:\n"
		"  ctlsign show CTLFile.tlv\n"
		"  ctlsign show --long --trust CTLFile.tlv ITLFile.tlv\n");
}

static void row(unsigned tag, const char *name, unsigned len, const char *value)
{
	char safe[4096];

	if (value && value[0]) {
		ctl_text_safe(value, safe, sizeof(safe), 0);
		printf("%u\t%s\t%u\t%s\n", tag, name, len, safe);
	} else
		printf("%u\t%s\t%u\n", tag, name, len);
}

static void time_local(time_t t, char *out, size_t n)
{
	struct tm tm;

	/* Java's Date.toString() layout, which CUCM's CLI prints. */
	if (!localtime_r(&t, &tm) || !strftime(out, n, "%a %b %d %H:%M:%S %Z %Y", &tm))
		snprintf(out, n, "?");
}

static void print_header(const ctl_file *f, bool lng)
{
	const ctl_tlv *t = ctl_hdr_find(f, CTL_H_VERSION);
	char v[1024];

	printf("Version:\t%u.%u\n", t->val[0], t->val[1]);
	printf("HeaderLength:\t%u (BYTES)\n\n", f->header_length);
	printf("BYTEPOS\tTAG\t\tLENGTH\tVALUE\n");
	printf("-------\t---\t\t------\t-----\n");
	for (size_t i = 0; i < f->nhdr; i++) {
		const ctl_tlv *h = &f->hdr[i];
		const char *name = ctl_header_tag_name(h->tag);
		unsigned u;
		uint32_t ts;

		if (h->kind == CTL_TLV_PAD || h->tag == CTL_H_VERSION ||
		    h->tag == CTL_H_HEADERLENGTH)
			continue;
		v[0] = '\0';
		if (h->kind == CTL_TLV_CONTAINER) {
			/* CUCM prints a container's length as its value. */
			snprintf(v, sizeof(v), "%u", h->len);
			row(h->tag, name, 2, v);
			continue;
		}
		switch (h->tag) {
		case CTL_H_SIGNERNAME:
		case CTL_H_CANAME:
			snprintf(v, sizeof(v), "%s", ctl_tlv_str(h));
			break;
		case CTL_H_SERIALNUMBER:
			ctl_hex_colon(h->val, h->len, v, sizeof(v));
			break;
		case CTL_H_SIGNERVERSION:
			snprintf(v, sizeof(v), "%u.%u", h->val[0], h->val[1]);
			break;
		case CTL_H_DIGESTALGORITHM:
			if (lng && ctl_tlv_u8(h, &u))
				snprintf(v, sizeof(v), "%u (%s)", u,
					 ctl_digest_code_name(u) ? ctl_digest_code_name(u) : "unknown");
			break;
		case CTL_H_SIGNATUREALGORITHM:
			if (lng && ctl_tlv_u8(h, &u))
				snprintf(v, sizeof(v), "%u (%s)", u, u == CTL_SIGALG_RSA ? "RSA" : "unknown");
			break;
		case CTL_H_SIGNATUREMODULUS:
			if (lng && ctl_tlv_u8(h, &u) && u < CTL_MODULUS_COUNT)
				snprintf(v, sizeof(v), "%u (%u-bit)", u, ctl_modulus_bytes[u] * 8u);
			break;
		case CTL_H_FILENAME:
			if (lng)
				snprintf(v, sizeof(v), "%s", ctl_tlv_str(h));
			break;
		case CTL_H_TIMESTAMP:
			if (lng && ctl_tlv_u32(h, &ts)) {
				char iso[32];
				ctl_time_iso((time_t)ts, iso, sizeof(iso));
				snprintf(v, sizeof(v), "%u (%s)", ts, iso);
			}
			break;
		default:
			break;
		}
		row(h->tag, name ? name : "UNKNOWN", h->len, v);
		if (h->tag == CTL_H_SIGNATURE) {
			for (size_t j = 0; j < h->len; j += 8) {
				putchar('\t');
				for (size_t k = j; k < j + 8 && k < h->len; k++)
					printf(k > j ? "  %x" : "%x", h->val[k]);
				putchar('\n');
			}
		}
	}
}

static void print_record(const ctl_record *r, int idx, const char *kind,
			 const ctl_verify_result *vr, bool lng, time_t now)
{
	char v[1024];
	int fn = ctl_rec_function(r);

	printf("%s Record #:%d\n----\n", kind, idx);
	printf("BYTEPOS\tTAG\t\tLENGTH\tVALUE\n");
	printf("-------\t---\t\t------\t-----\n");
	for (size_t i = 0; i < r->ntlv; i++) {
		const ctl_tlv *t = &r->tlv[i];
		const char *name = ctl_record_tag_name(t->tag);
		unsigned u;

		v[0] = '\0';
		switch (t->tag) {
		case CTL_R_RECORDLENGTH:
			snprintf(v, sizeof(v), "%u", r->len);
			break;
		case CTL_R_DNSNAME:
		case CTL_R_SUBJECTNAME:
		case CTL_R_ISSUERNAME:
			snprintf(v, sizeof(v), "%s", ctl_tlv_str(t));
			break;
		case CTL_R_FUNCTION:
			ctl_tlv_u16(t, &u);
			if (ctl_role_name(u))
				snprintf(v, sizeof(v), "%s", ctl_role_name(u));
			else
				snprintf(v, sizeof(v), "%u", u);
			break;
		case CTL_R_SERIALNUMBER:
			ctl_hex_colon(t->val, t->len, v, sizeof(v));
			break;
		case CTL_R_CERTIFICATE: {
			uint8_t md[EVP_MAX_MD_SIZE];
			unsigned mdlen = 0;
			char hex[128];
			EVP_Digest(t->val, t->len, md, &mdlen, EVP_sha1(), NULL);
			ctl_hex_encode(md, mdlen, ' ', true, hex, sizeof(hex));
			snprintf(v, sizeof(v), "%s (SHA1 Hash HEX)", hex);
			break;
		}
		case CTL_R_IPADDRESS:
			if (lng)
				snprintf(v, sizeof(v), "%u.%u.%u.%u", t->val[0], t->val[1], t->val[2],
					 t->val[3]);
			break;
		case CTL_R_PUBLICKEY:
			if (lng && ctl_rec_cert(r)) {
				ctl_certinfo ci;
				if (!ctl_certinfo_get(ctl_rec_cert(r), &ci, NULL)) {
					snprintf(v, sizeof(v), "%s %d", ci.key_type, ci.key_bits);
					ctl_certinfo_free(&ci);
				}
			}
			break;
		default:
			break;
		}
		row(t->tag, name ? name : "UNKNOWN", t->len, v);
	}
	if (lng && ctl_rec_cert(r)) {
		ctl_certinfo ci;
		if (!ctl_certinfo_get(ctl_rec_cert(r), &ci, NULL)) {
			char a[32], b[32];
			ctl_time_iso(ci.not_before, a, sizeof(a));
			ctl_time_iso(ci.not_after, b, sizeof(b));
			printf("Valid from %s to %s%s\n", a, b,
			       ci.not_after != (time_t)-1 && ci.not_after < now ? " (EXPIRED)" : "");
			ctl_certinfo_free(&ci);
		}
	}
	if (fn == CTL_ROLE_SAST)
		printf("This etoken was %s to sign the %s file.\n",
		       vr && vr->valid && vr->signer_record == idx ? "used" : "not used", kind);
}

int show_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"long", no_argument, NULL, 'l'},
		{"json", no_argument, NULL, 'j'},
		{"trust", required_argument, NULL, 't'},
		{"legacy-digest-codes", no_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool lng = false, json = false, legacy = false;
	const char *trust_path = NULL;
	ctl_trust *trust = NULL;
	ctl_verify_result vr;
	ctl_err err, cerr;
	loaded L;
	int c, rc;
	time_t now = time(NULL);
	ctl_status st, vst, cst = CTL_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ljt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': lng = true; break;
		case 'j': json = true; break;
		case 't': trust_path = optarg; break;
		case 'L': legacy = true; break;
		case 'h': show_usage(stdout); return EXIT_OK;
		default: return cli_bad_option("show", argc, argv, opts);
		}
	}
	if (optind != argc - 1) {
		msg_error("show: expected exactly one FILE");
		show_usage(stderr);
		return EXIT_USAGE;
	}
	if (trust_path && ctl_trust_load(trust_path, &trust, &err))
		return report(trust_path, &err);

	/* Certificates decoded one record at a time, as they are printed. */
	st = load_file_ex(argv[optind], CTL_PARSE_LAZY, &L);
	if (st && !L.buf) {
		rc = report(L.path, &L.err);
		if (!json) {
			printf("Length of %s file: 0\n", load_kind(&L));
			printf("%s File not found. Error parsing the %s File.\n", load_kind(&L), load_kind(&L));
		}
		goto out;
	}
	if (st) {
		rc = report(L.path, &L.err);
		if (!json)
			printf("Error parsing the %s File.\n", load_kind(&L));
		goto out;
	}
	{
		ctl_verify_opts vo = {.trust = trust, .now = now, .legacy_digest_codes = legacy};
		vst = ctl_verify_ex(L.buf, L.len, L.f, &vo, &vr, &err);
	}
	rc = exit_code_for(vst);
	if (json) {
		cst = describe_print(stdout, &L, &vr, vst, now, NULL, &cerr);
	} else {
		const char *kind = load_kind(&L);
		uint8_t md[EVP_MAX_MD_SIZE];
		unsigned mdlen;
		char hex[160], when[64];

		printf("The checksum value of the %s file:\n", kind);
		EVP_Digest(L.buf, L.len, md, &mdlen, EVP_md5(), NULL);
		printf("%s(MD5)\n", ctl_hex_encode(md, mdlen, 0, false, hex, sizeof(hex)));
		EVP_Digest(L.buf, L.len, md, &mdlen, EVP_sha1(), NULL);
		printf("%s(SHA1)\n\n", ctl_hex_encode(md, mdlen, 0, false, hex, sizeof(hex)));
		printf("Length of %s file: %zu\n", kind, L.len);
		if (L.have_st) {
			time_local(L.st.st_mtime, when, sizeof(when));
			printf("The %s File was last modified on %s\n", kind, when);
		}
		printf("\nParse %s File\n----------------\n\n", kind);
		print_header(L.f, lng);
		for (size_t i = 0; i < L.f->nrec; i++) {
			ctl_record *r = &L.f->rec[i];
			X509 *x;

			if (ctl_rec_cert_get(r, &x, cst ? NULL : &cerr))
				cst = cerr.status;
			putchar('\n');
			print_record(r, (int)i + 1, kind, &vr, lng, now);
			if (r->cert_cache != vr.signer_cert)
				ctl_rec_cert_release(r);
		}
		putchar('\n');
		if (vst == CTL_OK) {
			printf("The %s file was verified successfully.\n", kind);
			char note[CTL_TEXT_ROOM(CTL_ERR_MSG)];

			if (vr.note[0])
				printf("Note: %s.\n", ctl_text_safe(vr.note, note, sizeof(note), 0));
			if (vr.signer_expired)
				printf("Note: the signer's certificate has expired; the signature is still valid.\n");
		} else {
			char why[4 * CTL_ERR_MSG];
			ctl_text_safe(vr.reason[0] ? vr.reason : err.msg, why, sizeof(why), 0);
			printf("The %s file could not be verified: %s.\n", kind, why);
		}
	}
	if (vst)
		report(L.path, &err);
	/* Every certificate is decoded: one that does not is malformed input,
	 * as a list that does not parse. */
	if (cst)
		rc = report(L.path, &cerr);
out:
	load_free(&L);
	ctl_trust_free(trust);
	return rc;
}

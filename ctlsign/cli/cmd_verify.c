/* ctlsign verify: is the signature valid, and who signed? */
#include "cli.h"
#include "load.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void verify_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctlsign verify [--trust FILE] [--json] [-q] FILE\n\n"
		"Check the RSA signature of a CTLFile.tlv / ITLFile.tlv and say who signed it.\n"
		"The signer is looked up by serial number and issuer among the SAST records\n"
		"of the file itself, or with --trust among the SAST certificates of FILE.\n\n"
		"  -t, --trust FILE  trust only the SAST records of this trust list (the one\n"
		"                    phones hold now), or the certificates of a PEM/DER file;\n"
		"                    FILE may be a tftp:// or http:// URL\n"
		"  -j, --json        print the result as JSON\n"
		"  -q, --quiet       print nothing; the exit status tells\n"
		"  -h, --help        this help\n\n"
		"Signature validity and certificate expiry are reported separately: an\n"
		"expired certificate does not make a valid signature invalid.\n\n"
		"Exit status: 0 signature valid, 1 signature invalid or signer not found or\n"
		"not trusted, 2 usage, 3 malformed file, 4 cannot read a file.\n");
}

int verify_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"trust", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *trust_path = NULL;
	bool json = false, quiet = false;
	ctl_trust *trust = NULL;
	ctl_verify_result vr;
	ctl_err err;
	loaded L;
	int c, rc;
	time_t now = time(NULL);
	ctl_status vst;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:jqh", opts, NULL)) != -1) {
		switch (c) {
		case 't': trust_path = optarg; break;
		case 'j': json = true; break;
		case 'q': quiet = true; break;
		case 'h': verify_usage(stdout); return EXIT_OK;
		default: verify_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		msg_error("verify: expected exactly one FILE");
		verify_usage(stderr);
		return EXIT_USAGE;
	}
	if (trust_path && ctl_trust_load(trust_path, &trust, &err))
		return quiet ? exit_code_for(err.status) : report(trust_path, &err);
	if (load_file(argv[optind], &L)) {
		rc = quiet ? exit_code_for(L.err.status) : report(L.path, &L.err);
		goto out;
	}
	vst = ctl_verify(L.buf, L.len, L.f, trust, now, &vr, &err);
	rc = exit_code_for(vst);
	if (quiet)
		goto out;
	if (json) {
		json_object *o = describe_json(&L, &vr, vst, now);
		json_print(o);
		json_object_put(o);
	}
	if (vst != CTL_OK) {
		if (vst == CTL_E_VERIFY)
			msg_error("`%s': verification failed: %s", L.path, err.msg);
		else
			report(L.path, &err);
		goto out;
	}
	if (!json) {
		ctl_certinfo ci;
		uint32_t ts = 0;
		char when[32], until[32];

		ctl_tlv_u32(ctl_hdr_find(L.f, CTL_H_TIMESTAMP), &ts);
		iso_utc((time_t)ts, when, sizeof(when));
		printf("%s: signature valid (%s, RSA %d-bit), signed %s\n", L.path,
		       ctl_digest_nid_name(vr.digest_nid), vr.signer_bits, when);
		if (vr.signer_cert && !ctl_certinfo_get(vr.signer_cert, &ci, NULL)) {
			char subj[1024], iss[1024];
			text_safe(ci.subject, subj, sizeof(subj), false);
			text_safe(ci.issuer, iss, sizeof(iss), false);
			printf("signer: %s\n        serial %s, issuer %s\n", subj, ci.serial_hex, iss);
			ctl_certinfo_free(&ci);
		} else if (!vr.signer_cert) {
			printf("signer: record %d has no certificate; verified with its PUBLICKEY\n",
			       vr.signer_record);
		}
		if (trust)
			printf("trusted through: %s (certificate %d)%s\n", trust->source,
			       vr.signer_trust,
			       vr.signer_record ? "" : "; the signer is not a SAST record of this file");
		else
			printf("signer record: %d (SAST)\n", vr.signer_record);
		if (vr.note[0])
			printf("note: %s\n", vr.note);
		iso_utc(vr.signer_not_after, until, sizeof(until));
		if (vr.signer_cert && vr.signer_expired)
			printf("warning: the signer's certificate expired on %s%s; the signature itself is valid\n",
			       until, vr.signer_expired_at_signing ? " (already when the file was signed)" : "");
		for (size_t i = 0; i < L.f->nrec; i++) {
			const ctl_record *r = &L.f->rec[i];
			if (!r->cert || r->cert == vr.signer_cert ||
			    ctl_certinfo_get(r->cert, &ci, NULL))
				continue;
			if (ci.not_after != (time_t)-1 && ci.not_after < now) {
				const char *kw = ctl_role_keyword((unsigned)ctl_rec_function(r));
				char subj[1024];
				iso_utc(ci.not_after, until, sizeof(until));
				text_safe(ci.subject, subj, sizeof(subj), false);
				printf("warning: record %zu (%s, %s) certificate expired on %s\n", i + 1,
				       kw ? kw : "role ?", subj, until);
			}
			ctl_certinfo_free(&ci);
		}
	}
out:
	load_free(&L);
	ctl_trust_free(trust);
	return rc;
}

/* ctlsign verify: is the signature valid, who signed, and would the phones
 * holding today's lists take the file? */
#include "cli.h"
#include "describe.h"
#include "jsonout.h"
#include "suggest.h"
#include "load.h"
#include "render.h"

#include "cluster.h"
#include "phone.h"
#include "plan.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void verify_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctlsign verify [--trust FILE]... [--cluster FILE] [--via-tvs] [--json] [-q] FILE\n\n"
		"Check the RSA signature of a CTLFile.tlv / ITLFile.tlv and say who signed it.\n"
		"The signer is looked up by serial number and issuer (compared as a\n"
		"Distinguished Name) among the SAST records of the file itself, or with\n"
		"--trust among what phones hold.\n\n"
		"  -t, --trust FILE  the CTL or ITL phones hold now (repeat for both): the file\n"
		"                    is judged the way phones judge it (docs/trust-model.md);\n"
		"                    or PEM/DER certificates to trust as signers; FILE may be\n"
		"                    a tftp:// or http:// URL\n"
		"  -c, --cluster FILE  the cluster after the change, for TVS: its TVS\n"
		"                    certificates and the certificates TVS vouches for\n"
		"      --via-tvs     exit 0 when only phones that can ask TVS take the file\n"
		"      --legacy-digest-codes  read digest codes 3 and 4 as the older numbering\n"
		"                    (3 = SHA-384, 4 = SHA-512) when the signature says so\n"
		"  -j, --json        print the result as JSON\n"
		"  -q, --quiet       print nothing; the exit status tells\n"
		"  -h, --help        this help\n\n"
		"Signature validity and certificate expiry are reported separately: an\n"
		"expired certificate does not make a valid signature invalid.\n\n"
		"Exit status: 0 signature valid (and, with --trust, phones take it), 1 signature\n"
		"invalid, signer not found, or phones would reject it, 2 usage, 3 malformed\n"
		"file, 4 cannot read a file.\n\n"
		"Examples:\n"
		"  ctlsign verify CTLFile.tlv\n"
		"  ctlsign verify --trust CTLFile.tlv.bak --trust ITLFile.tlv --cluster cluster.ini CTLFile.tlv\n");
}

enum { O_VIA_TVS = 256, O_LEGACY };

/* Held lists named by --trust, PEM/DER anchors, and the TVS view. */
struct trust_in {
	loaded lists[2];
	size_t nlists;
	ctl_trust *pem;
	ctl_held held;
	ctl_cluster *cluster;
	ctl_tvs_view tv;
};

static void trust_in_free(struct trust_in *t)
{
	for (size_t i = 0; i < t->nlists; i++)
		load_free(&t->lists[i]);
	ctl_trust_free(t->pem);
	ctl_cluster_free(t->cluster);
	ctl_tvs_view_free(&t->tv);
}

/* One --trust FILE: a trust list phones hold, else PEM/DER certificates. */
static int add_trust(struct trust_in *t, const char *path, bool quiet)
{
	loaded L;
	ctl_err err;
	bool itl;

	if (load_file_ex(path, CTL_PARSE_LAZY, &L) == CTL_OK) {
		itl = !strcmp(ctl_kind(L.f), "ITL");
		if ((itl && t->held.itl) || (!itl && t->held.ctl) || t->nlists == 2) {
			if (!quiet)
				msg_error("--trust: `%s' is a second %s: phones hold one CTL and one ITL",
					  path, itl ? "ITL" : "CTL");
			load_free(&L);
			return EXIT_USAGE;
		}
		t->lists[t->nlists] = L;
		if (itl) {
			t->held.itl = t->lists[t->nlists].f;
			t->held.itl_path = path;
		} else {
			t->held.ctl = t->lists[t->nlists].f;
			t->held.ctl_path = path;
		}
		t->nlists++;
		return EXIT_OK;
	}
	if (L.err.status != CTL_E_MALFORMED || t->pem) {
		int rc = quiet ? exit_code_for(L.err.status) : report(path, &L.err);
		load_free(&L);
		return rc;
	}
	load_free(&L);
	if (ctl_trust_load(path, &t->pem, &err))
		return quiet ? exit_code_for(err.status) : report(path, &err);
	return EXIT_OK;
}

static void print_valid(const loaded *L, ctl_verify_result *vr, const ctl_trust *t,
			time_t now)
{
	ctl_certinfo ci;
	uint32_t ts = 0;
	char when[32], until[32], msg[CTL_TEXT_ROOM(CTL_ERR_MSG)];

	ctl_tlv_u32(ctl_hdr_find(L->f, CTL_H_TIMESTAMP), &ts);
	ctl_time_iso((time_t)ts, when, sizeof(when));
	printf("%s: signature valid (%s, RSA %d-bit), signed %s\n", L->path,
	       ctl_digest_nid_name(vr->digest_nid), vr->signer_bits, when);
	if (vr->signer_has_cert && !ctl_verify_signer_info(vr, L->f, &ci)) {
		char subj[1024], iss[1024];
		ctl_text_safe(ci.subject, subj, sizeof(subj), 0);
		ctl_text_safe(ci.issuer, iss, sizeof(iss), 0);
		printf("signer: %s\n        serial %s, issuer %s\n", subj, ci.serial_hex, iss);
		ctl_certinfo_free(&ci);
	} else if (!vr->signer_has_cert) {
		printf("signer: record %d has no certificate; verified with its PUBLICKEY\n",
		       vr->signer_record);
	}
	if (vr->anchor && vr->anchor->record)
		printf("trusted through: %s (record %d, %s)%s\n",
		       ctl_text_safe(vr->anchor->source, msg, sizeof(msg), 0),
		       vr->anchor->record, ctl_role_keyword((unsigned)vr->anchor->role),
		       vr->signer_record ? "" : "; the signer is not a SAST record of this file");
	else if (vr->anchor && t)
		printf("trusted through: %s (certificate %d)%s\n",
		       ctl_text_safe(vr->anchor->source, msg, sizeof(msg), 0),
		       (int)(vr->anchor - t->a) + 1,
		       vr->signer_record ? "" : "; the signer is not a SAST record of this file");
	else
		printf("signer record: %d (SAST)\n", vr->signer_record);
	if (vr->note[0])
		printf("note: %s\n", ctl_text_safe(vr->note, msg, sizeof(msg), CTL_TEXT_LINES));
	if (vr->warning[0])
		printf("warning: %s\n", ctl_text_safe(vr->warning, msg, sizeof(msg), CTL_TEXT_LINES));
	ctl_time_iso(vr->signer_not_after, until, sizeof(until));
	if (vr->signer_has_cert && vr->signer_expired)
		printf("warning: the signer's certificate expired on %s%s; the signature itself is valid\n",
		       until, vr->signer_expired_at_signing ? " (already when the file was signed)" : "");
	for (size_t i = 0; i < L->f->nrec; i++) {
		const ctl_record *r = &L->f->rec[i];
		const ctl_tlv *ct = ctl_rec_find(r, CTL_R_CERTIFICATE);
		time_t na;

		/* Certificates are decoded for this warning only when the DER
		 * says they have expired, or cannot say. The signer's file's own
		 * signer had its warning above. */
		if (!ct || (!vr->anchor && vr->signer_record == (int)i + 1) ||
		    (ctl_der_cert_shape(ct->val, ct->len, &na) && na != (time_t)-1 && na >= now) ||
		    !ctl_rec_cert(r) || ctl_certinfo_get(ctl_rec_cert(r), &ci, NULL))
			continue;
		if (ci.not_after != (time_t)-1 && ci.not_after < now) {
			const char *kw = ctl_role_keyword((unsigned)ctl_rec_function(r));
			char subj[1024];
			ctl_time_iso(ci.not_after, until, sizeof(until));
			ctl_text_safe(ci.subject, subj, sizeof(subj), 0);
			printf("warning: record %zu (%s, %s) certificate expired on %s\n", i + 1,
			       kw ? kw : "role ?", subj, until);
		}
		ctl_certinfo_free(&ci);
	}
}

int verify_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"trust", required_argument, NULL, 't'},
		{"cluster", required_argument, NULL, 'c'},
		{"via-tvs", no_argument, NULL, O_VIA_TVS},
		{"legacy-digest-codes", no_argument, NULL, O_LEGACY},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *trusts[8], *cluster_path = NULL;
	size_t ntrust = 0;
	bool json = false, quiet = false, via_tvs = false, model;
	struct trust_in T = {0};
	ctl_verify_opts vo = {.now = time(NULL)};
	ctl_verify_result vr;
	ctl_phone_result pr;
	ctl_err err;
	loaded L = {0};
	char why[CTL_TEXT_ROOM(CTL_PHONE_MSG)], caveat[CTL_TEXT_ROOM(CTL_PHONE_MSG)];
	int c, rc = EXIT_OK;
	ctl_status vst;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "t:c:jqh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (ntrust == sizeof(trusts) / sizeof(trusts[0])) {
				msg_error("verify: too many --trust");
				return EXIT_USAGE;
			}
			trusts[ntrust++] = optarg;
			break;
		case 'c': cluster_path = optarg; break;
		case O_VIA_TVS: via_tvs = true; break;
		case O_LEGACY: vo.legacy_digest_codes = true; break;
		case 'j': json = true; break;
		case 'q': quiet = true; break;
		case 'h': verify_usage(stdout); return EXIT_OK;
		default: return cli_bad_option("verify", argc, argv, opts);
		}
	}
	if (optind != argc - 1) {
		msg_error("verify: expected exactly one FILE");
		verify_usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < ntrust; i++)
		if ((rc = add_trust(&T, trusts[i], quiet)))
			goto out;
	if (T.pem && T.nlists) {
		msg_error("verify: --trust takes the lists phones hold or certificates, not both");
		rc = EXIT_USAGE;
		goto out;
	}
	model = T.nlists > 0;
	if ((cluster_path || via_tvs) && !model) {
		msg_error("verify: --cluster and --via-tvs go with --trust naming what phones hold");
		rc = EXIT_USAGE;
		goto out;
	}
	if (load_file_ex(argv[optind], CTL_PARSE_LAZY, &L)) {
		rc = quiet ? exit_code_for(L.err.status) : report(L.path, &L.err);
		goto out;
	}
	if (model) {
		/* --trust says what phones hold: the CTL given or none; the ITL only
		 * when one is given (else TVS cannot be judged). */
		T.held.ctl_known = true;
		T.held.itl_known = T.held.itl != NULL;
		if (cluster_path) {
			if (ctl_cluster_load(cluster_path, &T.cluster, &err) ||
			    ctl_plan_tvs_view(T.cluster, NULL, &T.tv, &err)) {
				rc = quiet ? exit_code_for(err.status) : report(NULL, &err);
				goto out;
			}
		} else if (!strcmp(ctl_kind(L.f), "ITL") &&
			   ctl_tvs_view_add_file(&T.tv, L.f, &err)) {
			rc = quiet ? exit_code_for(err.status) : report(NULL, &err);
			goto out;
		}
		if (!T.tv.from)
			T.tv.from = cluster_path ? cluster_path : L.path;
		if (ctl_phone_judge_file(&T.held, L.buf, L.len, L.f, &T.tv, &vo, &pr, &err)) {
			rc = quiet ? exit_code_for(err.status) : report(L.path, &err);
			goto out;
		}
		/* The path phones take: verify along it for the details printed. */
		{
			ctl_trust *anchors = NULL;
			if (pr.path == CTL_PATH_HELD && !ctl_held_anchors(&T.held, !strcmp(ctl_kind(L.f), "ITL"),
									  &anchors, &err))
				vo.trust = anchors;
			vst = ctl_verify_ex(L.buf, L.len, L.f, &vo, &vr, &err);
			vo.trust = NULL;
			if (pr.verdict == CTL_PHONE_ACCEPTED || (pr.verdict == CTL_PHONE_VIA_TVS && via_tvs))
				rc = vst == CTL_OK ? EXIT_OK : exit_code_for(vst);
			else
				rc = EXIT_VERIFY;
			if (!quiet && json) {
				json_object *ph = verdict_json(&pr);
				ctl_err cerr;

				describe_print(stdout, &L, &vr, vst, vo.now, ph, &cerr);
				json_object_put(ph);
			}
			if (!quiet && !json) {
				if (vst == CTL_OK)
					print_valid(&L, &vr, anchors, vo.now);
				ctl_text_safe(pr.why, why, sizeof(why), CTL_TEXT_LINES);
				ctl_text_safe(pr.caveat, caveat, sizeof(caveat), CTL_TEXT_LINES);
				if (pr.verdict == CTL_PHONE_ACCEPTED) {
					printf("phones: accepted: %s\n", why);
				} else if (pr.verdict == CTL_PHONE_VIA_TVS) {
					printf("phones: accepted only through TVS: %s\n", why);
					printf("caveat: %s\n", caveat);
					if (!via_tvs)
						msg_error("`%s': phones without Security by Default reject it "
							  "(--via-tvs accepts the TVS path)", L.path);
				} else {
					msg_error("`%s': phones would reject it: %s", L.path, pr.why);
					print_held_signers(stderr, "ctlsign: ", &T.held,
							   !strcmp(ctl_kind(L.f), "ITL"));
				}
			}
			ctl_trust_free(anchors);
		}
		goto out;
	}
	vo.trust = T.pem;
	vst = ctl_verify_ex(L.buf, L.len, L.f, &vo, &vr, &err);
	rc = exit_code_for(vst);
	if (quiet)
		goto out;
	if (json) {
		ctl_err cerr;

		/* Only the signer's certificate counts for verify: another that
		 * does not decode is "certificate": null, as verify's text says
		 * nothing of it. */
		describe_print(stdout, &L, &vr, vst, vo.now, NULL, &cerr);
	}
	if (vst != CTL_OK) {
		if (vst == CTL_E_VERIFY)
			msg_error("`%s': verification failed: %s", L.path, err.msg);
		else
			report(L.path, &err);
		goto out;
	}
	if (!json)
		print_valid(&L, &vr, T.pem, vo.now);
out:
	load_free(&L);
	trust_in_free(&T);
	return rc;
}

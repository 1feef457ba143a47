/* The trust model's decisions, as tables: names compared as Distinguished
 * Names, the phone verdict for every path (first list, held record, TFTP
 * record for an ITL, TVS unchanged / regenerated / unknown), the CTL
 * Client's token rules, what diff pairs, and the held strings a rebuild
 * keeps. Inputs are the fixtures of tests/fixtures/gen.sh. */
#include <criterion/criterion.h>

#include "build.h"
#include "check.h"
#include "diff.h"
#include "fixtures.h"
#include "identity.h"
#include "phone.h"
#include "update.h"

#include <stdlib.h>
#include <string.h>

typedef struct held_fx {
	uint8_t *p;
	size_t len;
	ctl_file *f;
} held_fx;

static held_fx hload(const char *name)
{
	held_fx h;
	ctl_err e;

	h.p = fx_read(name, &h.len);
	cr_assert_eq(ctl_parse(h.p, h.len, &h.f, &e), CTL_OK, "%s: %s", name, e.msg);
	return h;
}

static void hfree(held_fx *h)
{
	ctl_free(h->f);
	free(h->p);
}

Test(trust, dn_equal_table)
{
	static const struct {
		const char *a, *b;
		bool eq;
	} t[] = {
		{"CN=SAST-ADN0054f509        ;OU=IPCBU;O=Cisco Systems",
		 "cn=\"SAST-ADN0054f509        \";ou=IPCBU;o=\"Cisco Systems", true},
		{"CN=SAST-ADN008580ef        ;OU=IPCBU;O=Cisco Systems",
		 "cn=\"SAST-ADN008580ef \";ou=IPCBU;o=\"Cisco Systems", true},
		{"CN=Cisco Manufacturing CA;O=Cisco Systems", "cn=Cisco Manufacturing CA;o=Cisco Systems", true},
		{"CN=Cisco Manufacturing CA;O=Cisco Systems", "O=Cisco Systems,CN=Cisco Manufacturing CA", true},
		{"CN=a;ST=CA;C=US", "cn=a, s=CA, c=us", true},
		{"CN=x;E=a@b", "CN=x;emailAddress=A@B", true},
		{"CN=pub;O=Example, Inc.;C=US", "CN=pub,O=Example\\, Inc.,C=US", true},
		{"CN=a  b;O=x", "CN=a b;O=x", true},
		{"CN=a;O=x;", "CN=a;O=x", true},
		{"CN=Cisco Manufacturing CA;O=Cisco Systems", "CN=Cisbo Manufacturing CA;O=Cisco Systems", false},
		{"CN=a;O=x", "CN=a", false},
		{"CN=a;O=x", "CN=a;OU=x", false},
		{"CN=a;CN=a", "CN=a", false},
		{"", "CN=a", false},
		{"", "", true},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_assert_eq(ctl_dn_equal(t[i].a, t[i].b), t[i].eq, "`%s' vs `%s'", t[i].a, t[i].b);
}

Test(trust, serial_magnitudes)
{
	static const uint8_t a[] = {0x00, 0x00, 0x12, 0x34}, b[] = {0x12, 0x34}, c[] = {0x12, 0x35},
			     z1[] = {0x00}, z2[] = {0x00, 0x00};

	cr_assert(ctl_serial_eq(a, sizeof(a), b, sizeof(b)));
	cr_assert_not(ctl_serial_eq(a, sizeof(a), c, sizeof(c)));
	cr_assert(ctl_serial_eq(z1, 1, z2, 2));
}

/* A tvs view whose TVS is `tvs' on host `host' and which vouches for
 * `trusted'. */
static void view(ctl_tvs_view *v, const char *tvs, const char *host, const char *trusted)
{
	ctl_err e;
	X509 *x;

	memset(v, 0, sizeof(*v));
	if (tvs) {
		x = fx_cert(tvs);
		cr_assert_eq(ctl_tvs_view_add(v, true, x, host, &e), CTL_OK);
		X509_free(x);
	}
	if (trusted) {
		x = fx_cert(trusted);
		cr_assert_eq(ctl_tvs_view_add(v, false, x, NULL, &e), CTL_OK);
		X509_free(x);
	}
}

Test(trust, verdicts_before_signing)
{
	held_fx ctl = hload("ctl-cucm-sha1.tlv");      /* SAST: ccm1 (1), itlrec (5) */
	held_fx itl = hload("itl.tlv");                /* TVS record 4: tvs, host ccm1 */
	held_fx old = hload("ctl-token-oldnames.tlv"); /* SAST sast1 in the CTL Client's names */
	held_fx py = hload("ctl-python-sha256.tlv");   /* TFTP record 4: ccm2 */
	X509 *ccm1 = fx_cert("ccm1.pem"), *ccm2 = fx_cert("ccm2.pem"), *itlrec = fx_cert("itlrec.pem"),
	     *sast1 = fx_cert("sast1.pem");
	ctl_tvs_view none = {0}, same, regen, unknown_signer;
	ctl_phone_result r;
	ctl_err e;
	struct {
		const char *what;
		ctl_held h;
		bool itl;
		X509 *signer;
		const ctl_tvs_view *tv;
		ctl_phone_verdict verdict;
		ctl_phone_path path;
		int record;
		const char *why;
	} t[] = {
		{"nothing held: first CTL", {.ctl_known = true}, false, ccm2, &none,
		 CTL_PHONE_ACCEPTED, CTL_PATH_FIRST, 0, "first CTL"},
		{"nothing held: first ITL", {.ctl_known = true, .itl_known = true}, true, ccm2, &none,
		 CTL_PHONE_ACCEPTED, CTL_PATH_FIRST, 0, "first ITL"},
		{"held CTL lists the signer", {.ctl = ctl.f, .ctl_path = "h", .ctl_known = true}, false,
		 ccm1, &none, CTL_PHONE_ACCEPTED, CTL_PATH_HELD, 1, "SAST record 1 of h"},
		{"ITLRecovery is SAST record 5", {.ctl = ctl.f, .ctl_path = "h", .ctl_known = true}, false,
		 itlrec, &none, CTL_PHONE_ACCEPTED, CTL_PATH_HELD, 5, "record 5"},
		{"CTL Client's names", {.ctl = old.f, .ctl_path = "o", .ctl_known = true}, false, sast1,
		 &none, CTL_PHONE_ACCEPTED, CTL_PATH_HELD, 1, "SAST record 1 of o"},
		{"an ITL signed by the CTL's TFTP record", {.ctl = py.f, .ctl_path = "p", .ctl_known = true},
		 true, ccm2, &none, CTL_PHONE_ACCEPTED, CTL_PATH_HELD, 4, "TFTP record 4 of p"},
		{"a CTL is not signed by a TFTP record", {.ctl = py.f, .ctl_path = "p", .ctl_known = true},
		 false, ccm2, &none, CTL_PHONE_REJECTED, CTL_PATH_NONE, 0, "ITL phones hold was not given"},
		{"ITL held, TVS unchanged", {.ctl = ctl.f, .ctl_path = "h", .itl = itl.f, .itl_path = "i",
		 .ctl_known = true, .itl_known = true}, false, ccm2, &same,
		 CTL_PHONE_VIA_TVS, CTL_PATH_TVS, 4, "ask TVS (record 4 of i"},
		{"ITL held, TVS regenerated on the same host", {.ctl = ctl.f, .ctl_path = "h", .itl = itl.f,
		 .itl_path = "i", .ctl_known = true, .itl_known = true}, false, ccm2, &regen,
		 CTL_PHONE_REJECTED, CTL_PATH_NONE, 0, "TVS certificate of ccm1 was regenerated too"},
		{"ITL held, the cluster's TVS not known", {.ctl = ctl.f, .ctl_path = "h", .itl = itl.f,
		 .itl_path = "i", .ctl_known = true, .itl_known = true}, false, ccm2, &none,
		 CTL_PHONE_REJECTED, CTL_PATH_NONE, 0, "not known here"},
		{"TVS does not vouch for a stranger", {.ctl = ctl.f, .ctl_path = "h", .itl = itl.f,
		 .itl_path = "i", .ctl_known = true, .itl_known = true}, false, ccm2, &unknown_signer,
		 CTL_PHONE_REJECTED, CTL_PATH_NONE, 0, "vouches only for"},
		{"phones hold no ITL", {.ctl = ctl.f, .ctl_path = "h", .ctl_known = true, .itl_known = true},
		 false, ccm2, &same, CTL_PHONE_REJECTED, CTL_PATH_NONE, 0, "phones hold no ITL"},
	};

	view(&same, "tvs.pem", "ccm1", "ccm2.pem");
	view(&regen, "capf.pem", "ccm1", "ccm2.pem");
	view(&unknown_signer, "tvs.pem", "ccm1", "ccm1.pem");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_assert_eq(ctl_phone_judge_cert(&t[i].h, t[i].itl, t[i].signer, t[i].tv, &r, &e), CTL_OK,
			     "%s: %s", t[i].what, e.msg);
		cr_assert_eq(r.verdict, t[i].verdict, "%s: verdict %s (%s)", t[i].what,
			     ctl_phone_verdict_word(r.verdict), r.why);
		cr_assert_eq(r.path, t[i].path, "%s: path %s", t[i].what, ctl_phone_path_word(r.path));
		cr_assert_eq(r.held_record, t[i].record, "%s: record %d", t[i].what, r.held_record);
		cr_assert(strstr(r.why, t[i].why), "%s: `%s' lacks `%s'", t[i].what, r.why, t[i].why);
		cr_assert_eq(r.verdict == CTL_PHONE_VIA_TVS, r.caveat[0] != '\0', "%s", t[i].what);
		cr_assert_eq(r.verdict != CTL_PHONE_ACCEPTED, r.advice[0] != '\0', "%s", t[i].what);
	}
	/* Not told what phones hold: no answer at all. */
	{
		ctl_held h = {0};
		cr_assert_eq(ctl_phone_judge_cert(&h, false, ccm1, &none, &r, &e), CTL_E_USAGE);
	}
	ctl_tvs_view_free(&same);
	ctl_tvs_view_free(&regen);
	ctl_tvs_view_free(&unknown_signer);
	X509_free(ccm1);
	X509_free(ccm2);
	X509_free(itlrec);
	X509_free(sast1);
	hfree(&ctl);
	hfree(&itl);
	hfree(&old);
	hfree(&py);
}

/* Judged on a signed file, the key must also check out. */
Test(trust, verdicts_on_files)
{
	held_fx ctl = hload("ctl-cucm-sha1.tlv"), blanked = hload("ctl-blanked.tlv"),
		wrong = hload("bad-wrong-key.tlv"), flipped = hload("bad-flipped-signature.tlv");
	ctl_held h = {.ctl = ctl.f, .ctl_path = "h", .ctl_known = true};
	ctl_tvs_view none = {0};
	ctl_verify_opts vo = {.now = 1430968247};
	ctl_phone_result r;
	ctl_err e;

	cr_assert_eq(ctl_phone_judge_file(&h, blanked.p, blanked.len, blanked.f, &none, &vo, &r, &e), CTL_OK);
	cr_assert_eq(r.verdict, CTL_PHONE_ACCEPTED, "%s", r.why);
	cr_assert(r.signature_checked);
	cr_assert_eq(r.held_record, 1);
	/* Its own signature is broken: rejected, whatever phones hold. */
	cr_assert_eq(ctl_phone_judge_file(&h, flipped.p, flipped.len, flipped.f, &none, &vo, &r, &e), CTL_OK);
	cr_assert_eq(r.verdict, CTL_PHONE_REJECTED);
	cr_assert(strstr(r.why, "own signature"), "%s", r.why);
	/* Signed with another key than the ccm1 certificate phones hold. */
	cr_assert_eq(ctl_phone_judge_file(&h, wrong.p, wrong.len, wrong.f, &none, &vo, &r, &e), CTL_OK);
	cr_assert_eq(r.verdict, CTL_PHONE_REJECTED, "%s", r.why);
	hfree(&ctl);
	hfree(&blanked);
	hfree(&wrong);
	hfree(&flipped);
}

static void spec_add(ctl_spec *s, int role, const char *pem, bool token)
{
	ctl_err e;

	cr_assert_eq(ctl_spec_add(s, role, token ? NULL : "pub", NULL, fx_cert(pem), false, pem, &e), CTL_OK);
	s->e[s->n - 1].token = token;
}

Test(trust, token_rules)
{
	held_fx held = hload("ctl-python-sha256.tlv");   /* tokens: sast1, sast2 (no DNS name) */
	X509 *sast1 = fx_cert("sast1.pem"), *sast2 = fx_cert("sast2.pem");
	ctl_spec s = {0};
	ctl_err e;

	/* One token, mixed mode: refused, first or not. */
	spec_add(&s, CTL_ROLE_SAST, "sast1.pem", true);
	spec_add(&s, CTL_ROLE_CCM_TFTP, "ccm1.pem", false);
	cr_assert_eq(ctl_token_rules(&s, sast1, true, NULL, true, &e), CTL_E_REFUSED);
	cr_assert(strstr(e.msg, "at least two distinct eTokens"), "%s", e.msg);
	/* Not token-signed: the count does not apply. */
	cr_assert_eq(ctl_token_rules(&s, sast1, false, NULL, true, &e), CTL_OK);
	/* Two tokens. */
	spec_add(&s, CTL_ROLE_SAST, "sast2.pem", true);
	cr_assert_eq(ctl_token_rules(&s, sast1, true, NULL, true, &e), CTL_OK, "%s", e.msg);
	/* Both held tokens kept: fine even when trusted only through TVS. */
	cr_assert_eq(ctl_token_rules(&s, sast1, true, held.f, false, &e), CTL_OK, "%s", e.msg);
	ctl_spec_free(&s);
	/* sast2 dropped for ccm2 as a token, signed by a token phones do not hold. */
	spec_add(&s, CTL_ROLE_SAST, "sast1.pem", true);
	spec_add(&s, CTL_ROLE_SAST, "ccm2.pem", true);
	cr_assert_eq(ctl_token_rules(&s, sast1, true, held.f, false, &e), CTL_E_REFUSED);
	cr_assert(strstr(e.msg, "removes eToken SAST record 2"), "%s", e.msg);
	/* The same, signed by a token phones hold: a lost token replaced. */
	cr_assert_eq(ctl_token_rules(&s, sast1, true, held.f, true, &e), CTL_OK, "%s", e.msg);
	ctl_spec_free(&s);
	/* Non-secure: one token is enough. */
	spec_add(&s, CTL_ROLE_SAST, "sast1.pem", true);
	cr_assert_eq(ctl_spec_add(&s, CTL_ROLE_CCM_TFTP, "pub", NULL, NULL, true, NULL, &e), CTL_OK);
	cr_assert(ctl_spec_non_secure(&s));
	cr_assert_eq(ctl_token_rules(&s, sast1, true, held.f, true, &e), CTL_OK, "%s", e.msg);
	ctl_spec_free(&s);
	X509_free(sast1);
	X509_free(sast2);
	hfree(&held);
}

Test(trust, spec_check_refusals)
{
	ctl_spec s = {.now = 1430968247, .signer_version = -1};
	ctl_warnings w = {0};
	ctl_err e;

	spec_add(&s, CTL_ROLE_SAST, "ccm1.pem", false);
	spec_add(&s, CTL_ROLE_SAST, "ccm1.pem", true);
	cr_assert_eq(ctl_spec_check(&s, &w, &e), CTL_E_REFUSED);
	cr_assert(strstr(e.msg, "the same certificate is in SAST records 1"), "%s", e.msg);
	ctl_spec_free(&s);
	spec_add(&s, CTL_ROLE_SAST, "ccm1.pem", false);
	spec_add(&s, CTL_ROLE_TVS, "tvs.pem", false);
	cr_assert_eq(ctl_spec_check(&s, &w, &e), CTL_E_USAGE);
	cr_assert(strstr(e.msg, "never in the CTL"), "%s", e.msg);
	s.itl = true;
	cr_assert_eq(ctl_spec_check(&s, &w, &e), CTL_OK, "%s", e.msg);
	ctl_spec_free(&s);
	ctl_warnings_free(&w);
}

Test(trust, diff_pairs_records)
{
	held_fx a = hload("ctl-cucm-sha1.tlv"), b = hload("ctl-blanked.tlv");
	ctl_diff d;
	ctl_err e;
	size_t kinds[4] = {0};

	/* ctl-cucm-sha1: SAST ccm1, CCM+TFTP ccm1, CCM+TFTP ccm2, CAPF, SAST itlrec.
	 * ctl-blanked:   SAST ccm1, CCM+TFTP ccm1 blanked, CCM+TFTP ccm2 blanked. */
	cr_assert_eq(ctl_diff_files(a.f, b.f, &d, &e), CTL_OK);
	for (size_t i = 0; i < d.n; i++)
		kinds[d.c[i].kind]++;
	cr_assert_eq(d.unchanged, 1, "the SAST record is the same bytes");
	cr_assert_eq(kinds[CTL_CHANGE_REPLACED], 2, "blanked records replace the certificates");
	cr_assert_eq(kinds[CTL_CHANGE_REMOVED], 2, "CAPF and ITLRecovery removed");
	cr_assert_eq(kinds[CTL_CHANGE_ADDED], 0);
	cr_assert_not(d.header & CTL_DIFF_H_SIGNER);
	ctl_diff_free(&d);
	cr_assert_eq(ctl_diff_files(a.f, a.f, &d, &e), CTL_OK);
	cr_assert_eq(d.n, 0);
	cr_assert_eq(d.unchanged, a.f->nrec);
	cr_assert_eq(d.header, 0);
	ctl_diff_free(&d);
	hfree(&a);
	hfree(&b);
}

Test(trust, held_strings_are_kept)
{
	held_fx old = hload("ctl-token-oldnames.tlv");
	ctl_spec s = {0};

	spec_add(&s, CTL_ROLE_SAST, "sast1.pem", true);
	spec_add(&s, CTL_ROLE_SAST, "ccm2.pem", false);
	cr_assert_eq(ctl_spec_keep_held_strings(&s, old.f), 1);
	cr_assert_str_eq(s.e[0].subject_str, "cn=\"SAST-ADN0054f509        \";ou=IPCBU;o=\"Cisco Systems");
	cr_assert_str_eq(s.e[0].issuer_str, "cn=Cisco Manufacturing CA;o=Cisco Systems");
	cr_assert_null(s.e[1].subject_str);
	ctl_spec_free(&s);
	hfree(&old);
}

/* Every code check can report is documented in docs/check.md with the same
 * severity, and nothing documented is missing from the code table. */
Test(trust, check_codes_are_documented)
{
	const char *root = getenv("CTLSIGN_ROOT");
	char path[4096], line[1024];
	FILE *f;
	size_t documented = 0;

	snprintf(path, sizeof(path), "%s/docs/check.md", root ? root : ".");
	cr_assert_not_null(f = fopen(path, "r"), "%s", path);
	while (fgets(line, sizeof(line), f)) {
		char code[64], sev[16];
		bool found = false;

		if (sscanf(line, "| `%63[A-Z0-9.-]` | %15[a-z] |", code, sev) != 2)
			continue;
		documented++;
		for (size_t i = 0; i < ctl_check_ncodes; i++)
			if (!strcmp(ctl_check_codes[i].code, code)) {
				found = true;
				cr_assert_str_eq(ctl_severity_word(ctl_check_codes[i].sev), sev, "%s", code);
			}
		cr_assert(found, "docs/check.md documents %s, which check never reports", code);
	}
	fclose(f);
	cr_assert_eq(documented, ctl_check_ncodes, "%zu documented, %zu in the code", documented,
		     ctl_check_ncodes);
}

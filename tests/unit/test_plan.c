/* The decisions, as tables: which key signs and which records go in, in
 * which order, for every release preset (9.1(2) to 14), with and without
 * eTokens, for the CTL and the ITL (ctl_plan_cluster over a cluster file of
 * fixture certificates); and every refusal of ctl_spec_check and ctl_build. */
#include <criterion/criterion.h>

#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "cluster.h"
#include "fixtures.h"
#include "plan.h"
#include "signer_pem.h"

/* ---- release presets ---------------------------------------------------- */

/* The cluster: a publisher (CCM+TFTP, CAPF, TVS, ITLRecovery), a subscriber
 * (CCM+TFTP), and two eTokens. Certificates by short name. */
static const char *const names[] = {"ccm1", "ccm2", "capf", "tvs", "itlrec", "sast1", "sast2"};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static char dir[64], ini[128];

static void write_cluster(const char *release, bool token)
{
	char *p[NNAMES];
	FILE *f;

	for (size_t i = 0; i < NNAMES; i++) {
		char n[32];

		snprintf(n, sizeof(n), "%s.pem", names[i]);
		p[i] = fx_path(n);
	}
	cr_assert_not_null(f = fopen(ini, "w"));
	fprintf(f, "[cluster]\nrelease = %s\n%s\n", release, token ? "signer = token:t1" : "");
	fprintf(f, "[node pub]\nhost = pub.example\nipv4 = 10.0.0.1\nroles = CCM+TFTP, CAPF, TVS\n"
		   "publisher = yes\ncallmanager = %s\ncapf = %s\ntvs = %s\nitlrecovery = %s\n",
		p[0], p[2], p[3], p[4]);
	fprintf(f, "[node sub]\nhost = sub.example\nipv4 = 10.0.0.2\nroles = CCM+TFTP\n"
		   "callmanager = %s\n", p[1]);
	if (token)
		fprintf(f, "[token t1]\ncert = %s\nuri = pkcs11:token=t1\n"
			   "[token t2]\ncert = %s\nuri = pkcs11:token=t2\n", p[5], p[6]);
	fclose(f);
	for (size_t i = 0; i < NNAMES; i++)
		free(p[i]);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ctlsign-plan-test.XXXXXX");
	cr_assert(mkdtemp(dir));
	snprintf(ini, sizeof(ini), "%s/cluster.ini", dir);
}

static void teardown(void)
{
	unlink(ini);
	rmdir(dir);
}

/* "SAST:itlrec CCM+TFTP:ccm1 ..." for the records a plan made. */
static void describe(const ctl_spec *s, char *out, size_t n)
{
	X509 *x[NNAMES];
	size_t o = 0;

	for (size_t i = 0; i < NNAMES; i++) {
		char f[32];

		snprintf(f, sizeof(f), "%s.pem", names[i]);
		x[i] = fx_cert(f);
	}
	out[0] = '\0';
	for (size_t i = 0; i < s->n && o < n; i++) {
		const char *who = s->e[i].blank ? "blank" : "?";

		for (size_t k = 0; k < NNAMES && s->e[i].cert; k++)
			if (!X509_cmp(s->e[i].cert, x[k]))
				who = names[k];
		o += (size_t)snprintf(out + o, n - o, "%s%s:%s%s", i ? " " : "",
				      ctl_role_keyword((unsigned)s->e[i].role), who,
				      s->e[i].token ? "(token)" : "");
	}
	for (size_t i = 0; i < NNAMES; i++)
		X509_free(x[i]);
}

#define CTL_RECS(first) first " CCM+TFTP:ccm1 CCM+TFTP:ccm2 CAPF:capf"
#define ITL_RECS(first) first " CCM+TFTP:ccm1 TVS:tvs CAPF:capf"

static const struct {
	const char *release;
	bool token, itl;
	ctl_status st;              /* of ctl_plan_cluster */
	ctl_signer_kind kind;
	const char *signer;         /* certificate that signs, as in names[] */
	const char *describe;       /* in plan.describe */
	const char *records;
} presets[] = {
	/* Tokenless CTLs: the CallManager key before 12.0, ITLRecovery from
	 * 12.0; ITLRecovery joins as a SAST record in 10.5(2); none before 10. */
	{"9.1(2)", false, false, CTL_E_REFUSED, 0, NULL, NULL, NULL},
	{"10.0", false, false, CTL_OK, CTL_SIGNER_CALLMANAGER, "ccm1",
	 "CallManager key of pub (release 10.0 preset)", CTL_RECS("SAST:ccm1")},
	{"10.5(1)", false, false, CTL_OK, CTL_SIGNER_CALLMANAGER, "ccm1",
	 "CallManager key of pub (release 10.5(1) preset)", CTL_RECS("SAST:ccm1")},
	{"10.5(2)", false, false, CTL_OK, CTL_SIGNER_CALLMANAGER, "ccm1",
	 "CallManager key of pub (release 10.5(2) preset)", CTL_RECS("SAST:ccm1 SAST:itlrec")},
	{"11.5", false, false, CTL_OK, CTL_SIGNER_CALLMANAGER, "ccm1",
	 "CallManager key of pub (release 11.5 preset)", CTL_RECS("SAST:ccm1 SAST:itlrec")},
	{"12.5", false, false, CTL_OK, CTL_SIGNER_ITLRECOVERY, "itlrec",
	 "ITLRecovery key of pub (release 12.5 preset)", CTL_RECS("SAST:itlrec SAST:ccm1")},
	{"14", false, false, CTL_OK, CTL_SIGNER_ITLRECOVERY, "itlrec",
	 "ITLRecovery key of pub (release 14 preset)", CTL_RECS("SAST:itlrec SAST:ccm1")},
	/* eToken CTLs: the signing token first, then the others; from 11.5
	 * also ITLRecovery (10.5(2) on) and the publisher's CallManager. */
	{"9.1(2)", true, false, CTL_OK, CTL_SIGNER_TOKEN, "sast1", "token t1",
	 CTL_RECS("SAST:sast1(token) SAST:sast2(token)")},
	{"10.0", true, false, CTL_OK, CTL_SIGNER_TOKEN, "sast1", "token t1",
	 CTL_RECS("SAST:sast1(token) SAST:sast2(token)")},
	{"10.5(1)", true, false, CTL_OK, CTL_SIGNER_TOKEN, "sast1", "token t1",
	 CTL_RECS("SAST:sast1(token) SAST:sast2(token)")},
	{"10.5(2)", true, false, CTL_OK, CTL_SIGNER_TOKEN, "sast1", "token t1",
	 CTL_RECS("SAST:sast1(token) SAST:sast2(token)")},
	{"11.5", true, false, CTL_OK, CTL_SIGNER_TOKEN, "sast1", "token t1",
	 CTL_RECS("SAST:sast1(token) SAST:sast2(token) SAST:itlrec SAST:ccm1")},
	{"12.5", true, false, CTL_OK, CTL_SIGNER_TOKEN, "sast1", "token t1",
	 CTL_RECS("SAST:sast1(token) SAST:sast2(token) SAST:itlrec SAST:ccm1")},
	{"14", true, false, CTL_OK, CTL_SIGNER_TOKEN, "sast1", "token t1",
	 CTL_RECS("SAST:sast1(token) SAST:sast2(token) SAST:itlrec SAST:ccm1")},
	/* ITLs: never signed by a token (the preset signs, with a note); the
	 * TFTP node's CallManager key before 12.0, ITLRecovery from 12.0. */
	{"9.1(2)", false, true, CTL_OK, CTL_SIGNER_CALLMANAGER, "ccm1",
	 "CallManager key of pub (release 9.1(2) preset)", ITL_RECS("SAST:ccm1 SAST:itlrec")},
	{"10.0", false, true, CTL_OK, CTL_SIGNER_CALLMANAGER, "ccm1",
	 "CallManager key of pub", ITL_RECS("SAST:ccm1 SAST:itlrec")},
	{"10.5(1)", false, true, CTL_OK, CTL_SIGNER_CALLMANAGER, "ccm1",
	 "CallManager key of pub", ITL_RECS("SAST:ccm1 SAST:itlrec")},
	{"10.5(2)", false, true, CTL_OK, CTL_SIGNER_CALLMANAGER, "ccm1",
	 "CallManager key of pub", ITL_RECS("SAST:ccm1 SAST:itlrec")},
	{"11.5", false, true, CTL_OK, CTL_SIGNER_CALLMANAGER, "ccm1",
	 "CallManager key of pub", ITL_RECS("SAST:ccm1 SAST:itlrec")},
	{"12.5", false, true, CTL_OK, CTL_SIGNER_ITLRECOVERY, "itlrec",
	 "ITLRecovery key of pub (release 12.5 preset)", ITL_RECS("SAST:itlrec SAST:ccm1")},
	{"14", false, true, CTL_OK, CTL_SIGNER_ITLRECOVERY, "itlrec",
	 "ITLRecovery key of pub", ITL_RECS("SAST:itlrec SAST:ccm1")},
	{"10.5(2)", true, true, CTL_OK, CTL_SIGNER_CALLMANAGER, "ccm1",
	 "CallManager key of pub (release 10.5(2) preset)", ITL_RECS("SAST:ccm1 SAST:itlrec")},
	{"12.5", true, true, CTL_OK, CTL_SIGNER_ITLRECOVERY, "itlrec",
	 "ITLRecovery key of pub (release 12.5 preset)", ITL_RECS("SAST:itlrec SAST:ccm1")},
};

Test(plan, release_presets, .init = setup, .fini = teardown)
{
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		ctl_cluster *c = NULL;
		ctl_plan_opts o = {.itl = presets[i].itl};
		ctl_spec s = {0, .digest_code = CTL_DIGEST_SHA1};
		ctl_plan plan;
		ctl_warnings w = {0};
		ctl_err err;
		ctl_status st;
		char recs[512], want[64];

		write_cluster(presets[i].release, presets[i].token);
		cr_assert_eq(ctl_cluster_load(ini, &c, &err), CTL_OK, "%s", err.msg);
		st = ctl_plan_cluster(c, &o, &s, &plan, &w, &err);
		cr_assert_eq(st, presets[i].st, "case %zu (%s%s%s): %s", i, presets[i].release,
			     presets[i].token ? ", token" : "", presets[i].itl ? ", ITL" : "", err.msg);
		if (st) {
			cr_expect(strstr(err.msg, "has no tokenless mode"), "%s", err.msg);
			ctl_spec_free(&s);
			ctl_cluster_free(c);
			continue;
		}
		cr_expect_eq(plan.kind, presets[i].kind, "case %zu: signer kind %d", i, plan.kind);
		snprintf(want, sizeof(want), "/%s.pem", presets[i].signer);
		cr_expect(plan.cert_path && strstr(plan.cert_path, want), "case %zu: signer %s",
			  i, plan.cert_path);
		cr_expect(strstr(plan.describe, presets[i].describe), "case %zu: `%s'", i,
			  plan.describe);
		cr_expect_eq(plan.note != NULL, presets[i].token && presets[i].itl,
			     "case %zu: a note only when a token signer meets an ITL", i);
		if (presets[i].kind == CTL_SIGNER_TOKEN)
			cr_expect_str_eq(plan.uri, "pkcs11:token=t1");
		describe(&s, recs, sizeof(recs));
		cr_expect_str_eq(recs, presets[i].records, "case %zu (%s%s%s)", i,
				 presets[i].release, presets[i].token ? ", token" : "",
				 presets[i].itl ? ", ITL" : "");
		ctl_plan_free(&plan);
		ctl_spec_free(&s);
		ctl_warnings_free(&w);
		ctl_cluster_free(c);
	}
}

Test(plan, preset_functions)
{
	static const struct {
		ctl_release r;
		ctl_signer_kind signer;
		bool itlrec;
	} t[] = {
		{{9, 1, 2, 0}, CTL_SIGNER_CALLMANAGER, false},
		{{10, 5, 1, 0}, CTL_SIGNER_CALLMANAGER, false},
		{{10, 5, 2, 0}, CTL_SIGNER_CALLMANAGER, true},
		{{11, 5, 0, 0}, CTL_SIGNER_CALLMANAGER, true},
		{{12, 0, 0, 0}, CTL_SIGNER_ITLRECOVERY, true},
		{{14, 0, 0, 3}, CTL_SIGNER_ITLRECOVERY, true},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_expect_eq(ctl_preset_signer(&t[i].r, false), t[i].signer, "case %zu", i);
		cr_expect_eq(ctl_preset_signer(&t[i].r, true), t[i].signer, "case %zu ITL", i);
		cr_expect_eq(ctl_preset_has_itlrecovery(&t[i].r), t[i].itlrec, "case %zu", i);
	}
}

Test(plan, itl_of_a_node_without_tftp_and_unknown_node, .init = setup, .fini = teardown)
{
	ctl_cluster *c = NULL;
	ctl_spec s = {0, .digest_code = CTL_DIGEST_SHA1};
	ctl_plan plan;
	ctl_err err;
	ctl_plan_opts o = {.itl = true, .node = "nosuch"};

	write_cluster("12.5", false);
	cr_assert_eq(ctl_cluster_load(ini, &c, &err), CTL_OK, "%s", err.msg);
	cr_expect_eq(ctl_plan_cluster(c, &o, &s, &plan, NULL, &err), CTL_E_USAGE);
	cr_expect(strstr(err.msg, "has no [node nosuch]"), "%s", err.msg);
	o.node = "sub";
	cr_assert_eq(ctl_plan_cluster(c, &o, &s, &plan, NULL, &err), CTL_OK, "%s", err.msg);
	cr_expect(strstr(plan.describe, "ITLRecovery key of pub"), "%s", plan.describe);
	ctl_plan_free(&plan);
	ctl_spec_free(&s);
	ctl_cluster_free(c);
}

/* ---- build refusals ------------------------------------------------------ */

#define NOW time(NULL)

static void add(ctl_spec *s, int role, const char *pem)
{
	ctl_err e;

	cr_assert_eq(ctl_spec_add(s, role, "h", NULL, fx_cert(pem), false, pem, &e), CTL_OK,
		     "%s", e.msg);
}

static ctl_status check(ctl_spec *s, ctl_err *e)
{
	ctl_warnings w = {0};
	ctl_status st = ctl_spec_check(s, &w, e);

	ctl_warnings_free(&w);
	return st;
}

Test(build, spec_check_refusals)
{
	static const struct {
		const char *what;
		int roles[4];
		const char *pems[4];
		bool itl;
		int signer_version;
		ctl_status st;
		const char *msg;
	} t[] = {
		{"no records", {-1}, {NULL}, false, -1, CTL_E_USAGE, "no records to write"},
		{"TVS in a CTL", {CTL_ROLE_SAST, CTL_ROLE_TVS, -1}, {"ccm1.pem", "tvs.pem"}, false, -1,
		 CTL_E_USAGE, "TVS certificates belong in the ITL"},
		{"TVS in an ITL", {CTL_ROLE_SAST, CTL_ROLE_TVS, -1}, {"ccm1.pem", "tvs.pem"}, true, -1,
		 CTL_OK, NULL},
		{"expired", {CTL_ROLE_SAST, CTL_ROLE_CCM, -1}, {"ccm1.pem", "expired.pem"}, false, -1,
		 CTL_E_REFUSED, "expired on 2001-01-01; phones would reject it"},
		{"a certificate twice in a role", {CTL_ROLE_SAST, CTL_ROLE_SAST, -1},
		 {"ccm1.pem", "ccm1.pem"}, false, -1, CTL_E_REFUSED,
		 "the same certificate is in SAST records 1"},
		{"one certificate, two roles", {CTL_ROLE_SAST, CTL_ROLE_CCM_TFTP, -1},
		 {"ccm1.pem", "ccm1.pem"}, false, -1, CTL_OK, NULL},
		{"EC with signer version 1.0", {CTL_ROLE_SAST, CTL_ROLE_CCM, -1},
		 {"ccm1.pem", "ecdsa.pem"}, false, 10, CTL_E_REFUSED, "signer version 1.1, not 1.0"},
		{"EC: signer version 1.1 chosen", {CTL_ROLE_SAST, CTL_ROLE_CCM, -1},
		 {"ccm1.pem", "ecdsa.pem"}, false, -1, CTL_OK, NULL},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ctl_spec s = {.now = NOW, .itl = t[i].itl, .signer_version = t[i].signer_version, .digest_code = CTL_DIGEST_SHA1};
		ctl_err e;
		ctl_status st;

		for (size_t k = 0; t[i].roles[k] >= 0 && k < 4; k++)
			add(&s, t[i].roles[k], t[i].pems[k]);
		st = check(&s, &e);
		cr_expect_eq(st, t[i].st, "%s: %s", t[i].what, e.msg);
		if (t[i].msg)
			cr_expect(strstr(e.msg, t[i].msg), "%s: `%s'", t[i].what, e.msg);
		if (!st && t[i].signer_version < 0 && !strcmp(t[i].pems[1], "ecdsa.pem"))
			cr_expect_eq(s.signer_version, 11, "%s", t[i].what);
		ctl_spec_free(&s);
	}
}

Test(build, expired_allowed_is_a_warning)
{
	ctl_spec s = {.now = NOW, .allow_expired = true, .signer_version = -1, .digest_code = CTL_DIGEST_SHA1};
	ctl_warnings w = {0};
	ctl_err e;

	add(&s, CTL_ROLE_SAST, "ccm1.pem");
	add(&s, CTL_ROLE_CCM, "expired.pem");
	cr_assert_eq(ctl_spec_check(&s, &w, &e), CTL_OK, "%s", e.msg);
	cr_assert_eq(w.n, 1);
	cr_expect(strstr(w.msg[0], "`expired.pem' (CCM record 2, CN=expired.example.com) "
			 "expired on 2001-01-01"), "%s", w.msg[0]);
	ctl_warnings_free(&w);
	ctl_spec_free(&s);
}

Test(build, record_count_and_size_limits)
{
	ctl_spec s = {.now = NOW, .signer_version = -1, .digest_code = CTL_DIGEST_SHA1};
	ctl_err e;

	for (unsigned i = 0; i <= CTL_RECORDS_MAX; i++)
		cr_assert_eq(ctl_spec_add(&s, CTL_ROLE_CCM_TFTP, "h", NULL, NULL, true, NULL, &e), CTL_OK);
	cr_expect_eq(check(&s, &e), CTL_E_REFUSED);
	cr_expect(strstr(e.msg, "1025 records: a trust list holds at most 1024"), "%s", e.msg);
	ctl_spec_free(&s);

	/* Kept records (build --from) that would make the file over 4 MiB. */
	for (int i = 0; i < 70; i++) {
		cr_assert_eq(ctl_spec_add(&s, CTL_ROLE_CCM_TFTP, "h", NULL, NULL, true, NULL, &e), CTL_OK);
		cr_assert_not_null(s.e[s.n - 1].raw = calloc(1, 65000));
		s.e[s.n - 1].rawlen = 65000;
	}
	cr_expect_eq(check(&s, &e), CTL_E_REFUSED);
	cr_expect(strstr(e.msg, "over the 4194304-byte limit"), "%s", e.msg);
	ctl_spec_free(&s);
}

static ctl_signer *pem_signer(const char *key, const char *pem)
{
	char *path = fx_path(key);
	ctl_signer *sg = NULL;
	ctl_warnings w = {0};
	ctl_err e;
	X509 *x = fx_cert(pem);

	cr_assert_eq(ctl_pem_signer_open(path, NULL, NULL, &sg, &w, &e), CTL_OK, "%s", e.msg);
	cr_assert_eq(ctl_signer_set_cert(sg, x, pem, &e), CTL_OK, "%s", e.msg);
	X509_free(x);
	free(path);
	ctl_warnings_free(&w);
	return sg;
}

Test(build, build_refusals)
{
	ctl_spec s = {.now = NOW, .signer_version = -1, .digest_code = CTL_DIGEST_SHA1};
	ctl_signer *ccm1 = pem_signer("ccm1.key", "ccm1.pem");
	ctl_signer *ccm2 = pem_signer("ccm2.key", "ccm2.pem");
	ctl_warnings w = {0};
	uint8_t *out = NULL;
	size_t n = 0;
	ctl_err e;

	add(&s, CTL_ROLE_SAST, "ccm1.pem");
	add(&s, CTL_ROLE_CCM_TFTP, "ccm2.pem");
	/* The signer must be one of the file's SAST records. */
	cr_expect_eq(ctl_build(&s, ccm2, &out, &n, &w, &e), CTL_E_REFUSED);
	cr_expect(strstr(e.msg, "is not one of the file's SAST records"), "%s", e.msg);
	/* An unknown digest code. */
	s.digest_code = 9;
	cr_expect_eq(ctl_build(&s, ccm1, &out, &n, &w, &e), CTL_E_USAGE);
	cr_expect(strstr(e.msg, "unknown digest code 9"), "%s", e.msg);
	s.digest_code = CTL_DIGEST_SHA256;
	/* No signer at all. */
	cr_expect_eq(ctl_build(&s, NULL, &out, &n, &w, &e), CTL_E_USAGE);
	/* And with all of it right, a file that verifies. */
	cr_assert_eq(ctl_build(&s, ccm1, &out, &n, &w, &e), CTL_OK, "%s", e.msg);
	cr_expect_gt(n, 0);
	free(out);
	ctl_spec_free(&s);
	ctl_warnings_free(&w);
	ctl_signer_free(ccm1);
	ctl_signer_free(ccm2);
}

Test(build, ec_signer_refused)
{
	ctl_spec s = {.now = NOW, .signer_version = -1, .digest_code = CTL_DIGEST_SHA256};
	ctl_signer *ec = NULL;
	ctl_warnings w = {0};
	char *path = fx_path("ecdsa.key");
	uint8_t *out = NULL;
	size_t n;
	ctl_err e;

	/* A key file that is not RSA is refused when opened. */
	cr_expect_eq(ctl_pem_signer_open(path, NULL, NULL, &ec, &w, &e), CTL_E_REFUSED);
	cr_expect(strstr(e.msg, "is not an RSA key"), "%s", e.msg);
	free(path);
	/* A signer whose certificate is EC (a token, say) is refused by the
	 * builder before anything is signed. */
	{
		ctl_signer fake = {.cert = fx_cert("ecdsa.pem")};

		add(&s, CTL_ROLE_SAST, "ecdsa.pem");
		cr_expect_eq(ctl_build(&s, &fake, &out, &n, &w, &e), CTL_E_REFUSED);
		cr_expect(strstr(e.msg, "not RSA"), "%s", e.msg);
		X509_free(fake.cert);
	}
	ctl_spec_free(&s);
	ctl_warnings_free(&w);
}

Test(build, itl_over_64_kb_refused)
{
	ctl_spec s = {.now = NOW, .itl = true, .signer_version = -1,
		      .digest_code = CTL_DIGEST_SHA1};
	ctl_signer *ccm1 = pem_signer("ccm1.key", "ccm1.pem");
	ctl_warnings w = {0};
	uint8_t *out = NULL;
	size_t n;
	ctl_err e;

	add(&s, CTL_ROLE_SAST, "ccm1.pem");
	/* Kept records of 40 000 bytes each. */
	for (int i = 0; i < 2; i++) {
		uint8_t *r = calloc(1, 40000);

		cr_assert_not_null(r);
		r[0] = CTL_R_RECORDLENGTH;
		r[2] = 2;
		r[3] = (uint8_t)(40000 >> 8);
		r[4] = (uint8_t)(40000 & 0xFF);
		cr_assert_eq(ctl_spec_add(&s, CTL_ROLE_CCM_TFTP, "h", NULL, NULL, true, NULL, &e), CTL_OK);
		s.e[s.n - 1].raw = r;
		s.e[s.n - 1].rawlen = 40000;
	}
	cr_expect_eq(ctl_build(&s, ccm1, &out, &n, &w, &e), CTL_E_REFUSED);
	cr_expect(strstr(e.msg, "phones fail to register once it passes about 64 KB"), "%s", e.msg);
	ctl_spec_free(&s);
	ctl_warnings_free(&w);
	ctl_signer_free(ccm1);
}

/* Preflight checks (check.h, docs/check.md). Each check is a small
 * function over one trust list, the cluster, or a pair of them; all report
 * through ctl_findings_add(). */
#include "check.h"

#include "build.h"
#include "identity.h"
#include "verify.h"

#include <openssl/err.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DAY (24 * 60 * 60)

const ctl_check_code ctl_check_codes[] = {
	{"SIG-INVALID", CTL_SEV_ERROR, "the list's own signature does not verify"},
	{"SIGNER-AMBIGUOUS", CTL_SEV_ERROR, "two SAST records share the signer's serial and issuer"},
	{"RECORD-INCONSISTENT", CTL_SEV_WARNING, "a record's SERIALNUMBER or PUBLICKEY is not its certificate's"},
	{"TRUST-REJECTED", CTL_SEV_ERROR, "phones holding the current lists would reject it"},
	{"TRUST-VIA-TVS", CTL_SEV_WARNING, "only phones that can ask TVS would take it"},
	{"TRUST-UNKNOWN", CTL_SEV_WARNING, "what phones hold was not given: no trust verdict"},
	{"TRUST-ACCEPTED", CTL_SEV_INFO, "phones holding the current lists take it, and why"},
	{"CERT-EXPIRED", CTL_SEV_ERROR, "a certificate has expired"},
	{"CERT-EXPIRES-7D", CTL_SEV_WARNING, "a certificate expires within 7 days"},
	{"CERT-EXPIRES-30D", CTL_SEV_WARNING, "a certificate expires within 30 days"},
	{"CERT-NOT-YET-VALID", CTL_SEV_WARNING, "a certificate is not valid yet"},
	{"TOKENS-FEWER-THAN-TWO", CTL_SEV_ERROR, "a token-signed mixed-mode CTL holds fewer than two eTokens"},
	{"SAST-MORE-THAN-TWO", CTL_SEV_WARNING, "more than two SAST records"},
	{"CERT-DUPLICATE", CTL_SEV_ERROR, "the same certificate twice in one role"},
	{"RECORD-CONFLICT", CTL_SEV_ERROR, "two records of one role for one host, with different certificates"},
	{"TVS-IN-CTL", CTL_SEV_ERROR, "a TVS record in a CTL"},
	{"ITL-TOO-LARGE", CTL_SEV_ERROR, "an ITL over 64 KB: phones fail to register"},
	{"ITL-MANY-CERTIFICATES", CTL_SEV_WARNING, "an ITL with more than 39 certificates"},
	{"FILENAME-UNKNOWN", CTL_SEV_ERROR, "FILENAME is neither CTLFile.tlv nor ITLFile.tlv"},
	{"FILENAME-MISMATCH", CTL_SEV_ERROR, "FILENAME does not match the file's name (CTL vs ITL)"},
	{"KEY-OVER-2048", CTL_SEV_WARNING, "an RSA key over 2048 bits"},
	{"EC-NEEDS-SIGNER-1.1", CTL_SEV_ERROR, "an EC record without signer version 1.1"},
	{"DIGEST-NOT-SHA1", CTL_SEV_WARNING, "signed with SHA-256 or SHA-512, not SHA-1 as CUCM"},
	{"MODE-MISMATCH", CTL_SEV_ERROR, "the cluster's mode and the CTL disagree (mixed vs non-secure)"},
	{"NODE-MISSING", CTL_SEV_ERROR, "a CallManager/TFTP node of the cluster has no record"},
	{"NODE-CERT-STALE", CTL_SEV_ERROR, "a node's record holds another certificate than its current one"},
	{"NODE-NAME-CHANGED", CTL_SEV_WARNING, "a node's certificate is listed under another DNS name"},
	{"NODE-IP-CHANGED", CTL_SEV_WARNING, "a node's record has another IP address"},
	{"NODE-EXTRA", CTL_SEV_WARNING, "a record for a host that is no longer in the cluster"},
	{"CAPF-MISSING", CTL_SEV_ERROR, "a CAPF node of the cluster has no CAPF record"},
	{"CAPF-STALE", CTL_SEV_ERROR, "a CAPF record holds another certificate than the node's current one"},
	{"TVS-MISSING", CTL_SEV_ERROR, "a TVS node of the cluster has no TVS record in the ITL"},
	{"TVS-STALE", CTL_SEV_ERROR, "a TVS record holds another certificate than the node's current one"},
	{"ITLRECOVERY-MISSING", CTL_SEV_WARNING, "the release lists ITLRecovery in the CTL, and it is not there"},
	{"ITLRECOVERY-STALE", CTL_SEV_ERROR, "the ITLRecovery record is not the cluster's ITLRecovery certificate"},
	{"ITLRECOVERY-DIFFERS", CTL_SEV_ERROR, "the CTL and the ITL list different ITLRecovery certificates"},
	{"TOKEN-MISSING", CTL_SEV_WARNING, "a [token] of the cluster file is not a SAST record of the CTL"},
	{"TOKEN-UNKNOWN", CTL_SEV_INFO, "an eToken SAST record that the cluster file does not name"},
	{"CTL-ITL-DISAGREE", CTL_SEV_ERROR, "the CTL's and the ITL's record for a TFTP node hold different certificates"},
	{"LIVE-DIFFERS-CLUSTER", CTL_SEV_ERROR, "a node presents another certificate than the cluster file names"},
	{"LIVE-DIFFERS-CTL", CTL_SEV_ERROR, "a node's live CallManager or CAPF certificate is in no record of the CTL"},
	{"LIVE-DIFFERS-ITL", CTL_SEV_ERROR, "a node's live TVS, CAPF or TFTP certificate is in no record of the ITL"},
	{"LIVE-TFTP-DIFFERS", CTL_SEV_ERROR, "TFTP nodes serve different CTLs, or not the CTL named as what phones hold"},
	{"LIVE-NO-CTL", CTL_SEV_ERROR, "a TFTP node of a mixed-mode cluster serves no CTL"},
	{"LIVE-NO-ITL", CTL_SEV_ERROR, "a TFTP node serves no ITL"},
	{"LIVE-LIST-INVALID", CTL_SEV_ERROR, "a TFTP node serves a list that is malformed or does not verify"},
	{"LIVE-NO-ANSWER", CTL_SEV_ERROR, "no service of any node answered: nothing live was compared"},
	{"LIVE-UNREACHABLE", CTL_SEV_WARNING, "a node's service did not answer: what it serves was not compared"},
	{"LIVE-CONTACTED", CTL_SEV_INFO, "how many services of how many nodes answered"},
};
const size_t ctl_check_ncodes = sizeof(ctl_check_codes) / sizeof(ctl_check_codes[0]);

const char *ctl_severity_word(ctl_severity s)
{
	switch (s) {
	case CTL_SEV_INFO: return "info";
	case CTL_SEV_WARNING: return "warning";
	case CTL_SEV_ERROR: return "error";
	}
	return "error";
}

static ctl_severity default_sev(const char *code)
{
	for (size_t i = 0; i < ctl_check_ncodes; i++)
		if (!strcmp(ctl_check_codes[i].code, code))
			return ctl_check_codes[i].sev;
	return CTL_SEV_ERROR;
}

void ctl_findings_free(ctl_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->f[i].file);
		free(fs->f[i].role);
		free(fs->f[i].host);
		free(fs->f[i].message);
		free(fs->f[i].advice);
	}
	free(fs->f);
	memset(fs, 0, sizeof(*fs));
}

static char *dupz(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void vadd(ctl_findings *fs, ctl_severity sev, const char *code, const ctl_finding_about *a,
		 const char *fmt, va_list ap)
{
	ctl_finding *p, *f;
	char *msg = NULL;

	if (fs->oom)
		return;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	if (!msg || !(p = realloc(fs->f, (fs->n + 1) * sizeof(*p)))) {
		free(msg);
		fs->oom = true;
		return;
	}
	fs->f = p;
	f = &fs->f[fs->n++];
	memset(f, 0, sizeof(*f));
	f->sev = sev;
	f->code = code;
	f->message = msg;
	f->file = dupz(a->file);
	f->record = a->record;
	f->line = a->line;
	f->role = dupz(a->role);
	f->host = dupz(a->host);
	if ((a->file && !f->file) || (a->role && !f->role) || (a->host && !f->host))
		fs->oom = true;
	fs->count[sev]++;
}

void ctl_findings_add(ctl_findings *fs, const char *code, const ctl_finding_about *a,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(fs, default_sev(code), code, a, fmt, ap);
	va_end(ap);
}

void ctl_findings_advise(ctl_findings *fs, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (fs->oom || !fs->n)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		fs->oom = true;
		return;
	}
	free(fs->f[fs->n - 1].advice);
	fs->f[fs->n - 1].advice = s;
}

/* A stable sort by severity: indexes carry the order found. */
void ctl_findings_order(ctl_findings *fs)
{
	for (int s = CTL_SEV_ERROR, o = 0; s >= CTL_SEV_INFO; s--)
		for (size_t i = (size_t)o; i < fs->n; i++)
			if ((int)fs->f[i].sev == s) {
				ctl_finding t = fs->f[i];
				memmove(&fs->f[o + 1], &fs->f[o], (i - (size_t)o) * sizeof(t));
				fs->f[o++] = t;
			}
}

/* ---- helpers ------------------------------------------------------------------ */

static const char *role_kw(int role)
{
	const char *k = role >= 0 ? ctl_role_keyword((unsigned)role) : NULL;
	return k ? k : "role ?";
}

static const char *dns_of(const ctl_record *r)
{
	return ctl_tlv_str(ctl_rec_find(r, CTL_R_DNSNAME));
}

static ctl_finding_about rec_about(const char *file, const ctl_file *f, size_t i)
{
	ctl_finding_about a = {file, (int)i + 1, 0, role_kw(ctl_rec_function(&f->rec[i])),
			  dns_of(&f->rec[i])[0] ? dns_of(&f->rec[i]) : NULL};
	return a;
}

static void date_of(time_t t, char *out, size_t n)
{
	struct tm tm;

	if (t == (time_t)-1 || !gmtime_r(&t, &tm))
		snprintf(out, n, "?");
	else
		strftime(out, n, "%Y-%m-%d", &tm);
}

static bool is_itl(const ctl_file *f)
{
	return !strcmp(ctl_kind(f), "ITL");
}

static bool is_ccm_role(int role)
{
	return role == CTL_ROLE_CCM || role == CTL_ROLE_CCM_TFTP || role == CTL_ROLE_TFTP;
}

static bool is_blank(const ctl_record *r)
{
	return !ctl_rec_find(r, CTL_R_SERIALNUMBER);
}

static bool cn_starts(X509 *x, const char *prefix)
{
	char cn[256] = "";

	if (!x)
		return false;
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
	return !strncasecmp(cn, prefix, strlen(prefix));
}

/* ---- certificates of the cluster -------------------------------------------- */

struct ccert {
	X509 *x;
	const char *key;         /* cluster key: callmanager, capf, tvs, itlrecovery, cert */
	const char *node;        /* section name */
	const char *host;
	const char *path;
	int line;
	const ctl_cluster_node *n;
	const ctl_cluster_token *t;
};

struct ccerts {
	size_t n;
	struct ccert *c;
};

static void ccerts_free(struct ccerts *cc)
{
	for (size_t i = 0; i < cc->n; i++)
		X509_free(cc->c[i].x);
	free(cc->c);
}

static ctl_status ccert_add(const ctl_cluster *c, struct ccerts *cc, const char *path,
			    const char *key, const char *node, const char *host, int line,
			    const ctl_cluster_node *n, const ctl_cluster_token *t, ctl_err *err)
{
	struct ccert *p;
	X509 *x = NULL;

	if (!path)
		return CTL_OK;
	if (ctl_cert_load(path, &x, err))
		return ctl_err_wrap(err, "%s:%d: `%s'", c->path, line, path);
	if (!(p = realloc(cc->c, (cc->n + 1) * sizeof(*p)))) {
		X509_free(x);
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	}
	cc->c = p;
	cc->c[cc->n++] = (struct ccert){x, key, node, host, path, line, n, t};
	return CTL_OK;
}

static ctl_status ccerts_load(const ctl_cluster *c, struct ccerts *cc, ctl_err *err)
{
	ctl_status rc = CTL_OK;

	for (size_t i = 0; i < c->nnodes && !rc; i++) {
		const ctl_cluster_node *n = &c->nodes[i];
		int l = n->src.line;

		if ((rc = ccert_add(c, cc, n->callmanager_cert, "callmanager", n->name, n->host, l, n,
				    NULL, err)) ||
		    (rc = ccert_add(c, cc, n->capf_cert, "capf", n->name, n->host, l, n, NULL, err)) ||
		    (rc = ccert_add(c, cc, n->tvs_cert, "tvs", n->name, n->host, l, n, NULL, err)))
			break;
		rc = ccert_add(c, cc, n->itlrecovery_cert, "itlrecovery", n->name, n->host, l, n, NULL, err);
	}
	for (size_t i = 0; i < c->ntokens && !rc; i++)
		rc = ccert_add(c, cc, c->tokens[i].cert, "token", c->tokens[i].name, NULL,
			       c->tokens[i].src.line, NULL, &c->tokens[i], err);
	for (size_t i = 0; i < c->nextra && !rc; i++)
		rc = ccert_add(c, cc, c->extra[i].cert, "cert", c->extra[i].name, c->extra[i].host,
			       c->extra[i].src.line, NULL, NULL, err);
	return rc;
}

static const struct ccert *ccert_of(const struct ccerts *cc, const ctl_cluster_node *n,
				    const char *key)
{
	for (size_t i = 0; i < cc->n; i++)
		if (cc->c[i].n == n && !strcmp(cc->c[i].key, key))
			return &cc->c[i];
	return NULL;
}

/* ---- one certificate's validity --------------------------------------------- */

static void validity(ctl_findings *fs, X509 *x, const ctl_finding_about *a, const char *what, time_t at)
{
	ctl_certinfo ci;
	char when[32];

	if (!x || ctl_certinfo_nofp(x, &ci, NULL))
		return;
	date_of(ci.not_after, when, sizeof(when));
	if (ci.not_after != (time_t)-1 && ci.not_after < at) {
		ctl_findings_add(fs, "CERT-EXPIRED", a, "%s (%s, serial %s) expired on %s", what, ci.subject,
		    ci.serial_hex, when);
		ctl_findings_advise(fs, "renew it on the cluster, then rebuild the list");
	} else if (ci.not_after != (time_t)-1 && ci.not_after < at + 7 * DAY) {
		ctl_findings_add(fs, "CERT-EXPIRES-7D", a, "%s (%s) expires on %s, in %ld days", what, ci.subject,
		    when, (long)((ci.not_after - at) / DAY));
		ctl_findings_advise(fs, "renew it now (RTMT raises its alarm at 7 days)");
	} else if (ci.not_after != (time_t)-1 && ci.not_after < at + 30 * DAY) {
		ctl_findings_add(fs, "CERT-EXPIRES-30D", a, "%s (%s) expires on %s, in %ld days", what, ci.subject,
		    when, (long)((ci.not_after - at) / DAY));
		ctl_findings_advise(fs, "plan its renewal (ctlsign plan --regenerate ROLE@NODE)");
	}
	if (ci.not_before != (time_t)-1 && ci.not_before > at) {
		date_of(ci.not_before, when, sizeof(when));
		ctl_findings_add(fs, "CERT-NOT-YET-VALID", a, "%s (%s) is valid only from %s", what, ci.subject, when);
	}
	ctl_certinfo_free(&ci);
}

/* ---- checks of one list ----------------------------------------------------- */

static void check_signature(const ctl_check_in *in, ctl_findings *fs, ctl_err *err)
{
	ctl_verify_opts vo = {.now = in->at, .legacy_digest_codes = in->legacy_digest_codes};
	ctl_verify_result vr;
	ctl_finding_about a = {in->new_path, 0, 0, NULL, NULL};

	if (ctl_verify_ex(in->new_buf, in->new_len, in->new_f, &vo, &vr, err) == CTL_OK)
		return;
	if (vr.ambiguous) {
		ctl_findings_add(fs, "SIGNER-AMBIGUOUS", &a, "%s", vr.reason);
		ctl_findings_advise(fs, "rebuild it without the duplicate record");
	} else {
		ctl_findings_add(fs, "SIG-INVALID", &a, "%s", vr.reason);
		ctl_findings_advise(fs, "rebuild and sign it again; never publish a list that does not verify");
	}
}

static void check_trust(const ctl_check_in *in, ctl_findings *fs, ctl_err *err)
{
	bool itl = is_itl(in->new_f);
	ctl_verify_opts vo = {.now = in->at, .legacy_digest_codes = in->legacy_digest_codes};
	ctl_phone_result r;
	ctl_finding_about a = {in->new_path, 0, 0, NULL, NULL};

	if (!(itl ? in->held.itl_known || in->held.ctl : in->held.ctl_known)) {
		ctl_findings_add(fs, "TRUST-UNKNOWN", &a, "what phones hold now was not given, so whether they "
		    "take this %s cannot be told", itl ? "ITL" : "CTL");
		ctl_findings_advise(fs, "name the lists phones hold: --current CTLFile.tlv (and --itl ITLFile.tlv), "
		       "or fetch them: --current tftp://TFTP-SERVER/CTLFile.tlv");
		return;
	}
	if (ctl_phone_judge_file(&in->held, in->new_buf, in->new_len, in->new_f, in->tv, &vo, &r, err)) {
		ctl_findings_add(fs, "TRUST-UNKNOWN", &a, "whether phones take it could not be judged: %s", err->msg);
		return;
	}
	switch (r.verdict) {
	case CTL_PHONE_ACCEPTED:
		ctl_findings_add(fs, "TRUST-ACCEPTED", &a, "%s", r.why);
		break;
	case CTL_PHONE_VIA_TVS:
		ctl_findings_add(fs, "TRUST-VIA-TVS", &a, "%s; %s", r.why, r.caveat);
		ctl_findings_advise(fs, "%s", r.advice);
		break;
	case CTL_PHONE_REJECTED:
		ctl_findings_add(fs, "TRUST-REJECTED", &a, "%s", r.why);
		ctl_findings_advise(fs, "%s", r.advice);
		break;
	}
}

static void check_structure(ctl_findings *fs, const char *path, const ctl_file *f, size_t len,
			    bool is_new)
{
	const char *fname = ctl_tlv_str(ctl_hdr_find(f, CTL_H_FILENAME));
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	ctl_finding_about a = {path, 0, 0, NULL, NULL};
	bool itl = is_itl(f);
	size_t ncert = 0;
	unsigned code = 0, sv = 0;
	const ctl_tlv *svt = ctl_hdr_find(f, CTL_H_SIGNERVERSION);
	bool ec = false;

	if (strcmp(fname, CTL_FILENAME_CTL) && strcmp(fname, CTL_FILENAME_ITL))
		ctl_findings_add(fs, "FILENAME-UNKNOWN", &a, "FILENAME is `%s', neither %s nor %s", fname,
		    CTL_FILENAME_CTL, CTL_FILENAME_ITL);
	else if ((!strncasecmp(base, "CTL", 3) && itl) || (!strncasecmp(base, "ITL", 3) && !itl))
		ctl_findings_add(fs, "FILENAME-MISMATCH", &a, "the file is named %s but its FILENAME says %s: "
		    "phones asking for one get the other", base, fname);
	if (itl && len > CTL_ITL_MAX_BYTES) {
		ctl_findings_add(fs, "ITL-TOO-LARGE", &a, "the ITL is %zu bytes: phones fail to register once it "
		    "passes about 64 KB", len);
		ctl_findings_advise(fs, "leave certificates out (fewer TVS or CAPF nodes per ITL)");
	}
	for (size_t i = 0; i < f->nrec; i++) {
		const ctl_record *r = &f->rec[i];
		int role = ctl_rec_function(r);
		ctl_finding_about ra = rec_about(path, f, i);
		EVP_PKEY *pk;

		if (ctl_rec_cert(r))
			ncert++;
		if (role == CTL_ROLE_TVS && !itl) {
			ctl_findings_add(fs, "TVS-IN-CTL", &ra, "a TVS record in a CTL: TVS certificates belong in the ITL");
			ctl_findings_advise(fs, "rebuild the CTL without it");
		}
		if (!ctl_rec_cert(r) || !(pk = X509_get0_pubkey(ctl_rec_cert(r))))
			continue;
		if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA && EVP_PKEY_get_bits(pk) > 2048)
			ctl_findings_add(fs, "KEY-OVER-2048", &ra, "an RSA-%d key: an open implementation's guidance "
			    "is at most 2048 bits for phones, and older phones fail on larger keys",
			    EVP_PKEY_get_bits(pk));
		if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC)
			ec = true;
	}
	if (itl && ncert > 39)
		ctl_findings_add(fs, "ITL-MANY-CERTIFICATES", &a, "%zu certificates: phones fail to register past "
		    "about 39", ncert);
	if (svt && svt->len == 2)
		sv = (unsigned)svt->val[0] * 10 + svt->val[1];
	if (ec && sv < 11) {
		ctl_findings_add(fs, "EC-NEEDS-SIGNER-1.1", &a, "a record holds an EC key but the signer version is "
		    "%s: phones need 1.1", svt ? "1.0" : "absent");
		ctl_findings_advise(fs, "rebuild it (ctlsign build writes 1.1 when a record holds an EC key)");
	}
	{
		const ctl_tlv *sm = ctl_hdr_find(f, CTL_H_SIGNATUREMODULUS);
		unsigned m = 0;
		if (sm && ctl_tlv_u8(sm, &m) && m < CTL_MODULUS_COUNT && ctl_modulus_bytes[m] > 256)
			ctl_findings_add(fs, "KEY-OVER-2048", &a, "the signer's key is %u-bit: older phones fail on "
			    "keys over 2048 bits", ctl_modulus_bytes[m] * 8u);
	}
	if (ctl_tlv_u8(ctl_hdr_find(f, CTL_H_DIGESTALGORITHM), &code) && code != CTL_DIGEST_SHA1) {
		const char *nm = ctl_digest_code_name(code);
		ctl_findings_add(fs, "DIGEST-NOT-SHA1", &a, "signed with %s (code %u): CUCM signs trust lists with "
		    "SHA-1 on every release, and phone firmware that predates SHA-2 trust lists, CUCM's "
		    "own tools and the CTL Client read only SHA-1 (docs/format.md)",
		    nm ? nm : "an unknown digest", code);
	}
	(void)is_new;
}

/* SAST records: tokens, how many, the same certificate twice, records that
 * conflict. */
static void check_records(ctl_findings *fs, const char *path, const ctl_file *f)
{
	size_t nsast = 0, ntok = 0;
	ctl_finding_about a = {path, 0, 0, NULL, NULL};
	const ctl_tlv *hs = ctl_hdr_find(f, CTL_H_SERIALNUMBER);
	const char *caname = ctl_tlv_str(ctl_hdr_find(f, CTL_H_CANAME));
	bool token_signed = false, mixed = false;

	for (size_t i = 0; i < f->nrec; i++) {
		const ctl_record *r = &f->rec[i];
		const ctl_tlv *rs = ctl_rec_find(r, CTL_R_SERIALNUMBER);
		int role = ctl_rec_function(r);

		if (is_ccm_role(role) && !is_blank(r))
			mixed = true;
		if (role != CTL_ROLE_SAST)
			continue;
		nsast++;
		if (ctl_record_is_token(r)) {
			ntok++;
			if (hs && rs && ctl_serial_eq(rs->val, rs->len, hs->val, hs->len) &&
			    ctl_dn_equal(ctl_tlv_str(ctl_rec_find(r, CTL_R_ISSUERNAME)), caname))
				token_signed = true;
		}
	}
	if (!is_itl(f) && token_signed && mixed && ntok < 2) {
		ctl_findings_add(fs, "TOKENS-FEWER-THAN-TWO", &a, "signed by an eToken but lists %zu: the CTL Client's "
		    "rule is two distinct tokens, so that one can be lost", ntok);
		ctl_findings_advise(fs, "add the second token (a [token] section) and rebuild");
	}
	if (nsast > 2)
		ctl_findings_add(fs, "SAST-MORE-THAN-TWO", &a, "%zu SAST records: an open implementation's guidance "
		    "is at most 2 for phones, while Cisco's own 11.5+ token layout has 4", nsast);
	for (size_t i = 0; i < f->nrec; i++) {
		const ctl_record *r = &f->rec[i];
		char why[200];
		ctl_finding_about ra = rec_about(path, f, i);

		if (!ctl_record_consistent(r, why, sizeof(why)))
			ctl_findings_add(fs, "RECORD-INCONSISTENT", &ra, "%s: phones cannot use it to find a signer", why);
		for (size_t j = i + 1; j < f->nrec; j++) {
			const ctl_record *q = &f->rec[j];
			int role = ctl_rec_function(r);

			if (ctl_rec_function(q) != role)
				continue;
			if (ctl_rec_cert(r) && ctl_rec_cert(q) && ctl_cert_same(ctl_rec_cert(r), ctl_rec_cert(q))) {
				ctl_findings_add(fs, "CERT-DUPLICATE", &ra, "the same certificate is %s record %d too",
				    role_kw(role), (int)j + 1);
				ctl_findings_advise(fs, "rebuild it with the certificate once");
			} else if (role != CTL_ROLE_SAST && dns_of(r)[0] && !strcasecmp(dns_of(r), dns_of(q)) &&
				   !(is_blank(r) && is_blank(q))) {
				ctl_findings_add(fs, "RECORD-CONFLICT", &ra, "%s record %d is for the same host %s with "
				    "another certificate: phones would trust either", role_kw(role),
				    (int)j + 1, dns_of(r));
				ctl_findings_advise(fs, "keep the record with the node's current certificate");
			}
		}
	}
}

static void check_validity(const ctl_check_in *in, ctl_findings *fs, const char *path,
			   const ctl_file *f)
{
	for (size_t i = 0; i < f->nrec; i++) {
		ctl_finding_about a = rec_about(path, f, i);
		char what[64];

		snprintf(what, sizeof(what), "the %s certificate", role_kw(ctl_rec_function(&f->rec[i])));
		validity(fs, ctl_rec_cert(&f->rec[i]), &a, what, in->at);
	}
}

/* ---- a list against the cluster ----------------------------------------------- */

static const ctl_record *find_host(const ctl_file *f, const char *host, bool (*role_ok)(int))
{
	for (size_t i = 0; i < f->nrec; i++)
		if (role_ok(ctl_rec_function(&f->rec[i])) && !strcasecmp(dns_of(&f->rec[i]), host))
			return &f->rec[i];
	return NULL;
}

static const ctl_record *find_cert(const ctl_file *f, X509 *x, bool (*role_ok)(int))
{
	for (size_t i = 0; i < f->nrec; i++)
		if (role_ok(ctl_rec_function(&f->rec[i])) && ctl_record_holds(&f->rec[i], x))
			return &f->rec[i];
	return NULL;
}

static bool role_capf(int r) { return r == CTL_ROLE_CAPF; }
static bool role_tftp(int r) { return r == CTL_ROLE_TFTP || r == CTL_ROLE_CCM_TFTP; }
static bool role_tvs(int r) { return r == CTL_ROLE_TVS; }
static bool role_sast(int r) { return r == CTL_ROLE_SAST; }

static int index_of(const ctl_file *f, const ctl_record *r)
{
	return (int)(r - f->rec) + 1;
}

static void serial_of(const ctl_record *r, char *out, size_t n)
{
	const ctl_tlv *s = ctl_rec_find(r, CTL_R_SERIALNUMBER);

	out[0] = '\0';
	if (s)
		ctl_hex_colon(s->val, s->len, out, n);
}

static void cert_serial(X509 *x, char *out, size_t n)
{
	size_t sn = 0;
	uint8_t *s = ctl_serial_bytes(x, &sn);

	out[0] = '\0';
	if (s)
		ctl_hex_colon(s, sn, out, n);
	free(s);
}

/* Each node's current certificate of one kind against the list's records. */
static void node_records(const ctl_check_in *in, ctl_findings *fs, const char *path,
			 const ctl_file *f, const struct ccerts *cc, const char *key,
			 bool (*role_ok)(int), const char *missing, const char *stale, unsigned need)
{
	const ctl_cluster *c = in->cluster;
	bool non_secure = c->non_secure;

	for (size_t i = 0; i < c->nnodes; i++) {
		const ctl_cluster_node *n = &c->nodes[i];
		const struct ccert *cur = ccert_of(cc, n, key);
		const ctl_record *r;
		ctl_finding_about na = {c->path, 0, n->src.line, key, n->host};
		char was[128], now[128];

		if (!(n->roles & need) || !cur)
			continue;
		r = find_host(f, n->host, role_ok);
		if (!r && (r = find_cert(f, cur->x, role_ok))) {
			ctl_finding_about ra = rec_about(path, f, (size_t)index_of(f, r) - 1);
			ctl_findings_add(fs, "NODE-NAME-CHANGED", &ra, "node %s's certificate is listed for host `%s', "
			    "but the cluster file names the node `%s'", n->name, dns_of(r), n->host);
			ctl_findings_advise(fs, "rebuild so the record carries the node's DNS name");
			continue;
		}
		if (!r) {
			ctl_findings_add(fs, missing, &na, "[node %s] (%s) has no %s record in %s", n->name, n->host,
			    key, path);
			ctl_findings_advise(fs, "rebuild the %s (ctlsign build --cluster %s) before restarting services",
			       ctl_kind(f), c->path);
			continue;
		}
		{
			ctl_finding_about ra = rec_about(path, f, (size_t)index_of(f, r) - 1);
			const ctl_tlv *ip = ctl_rec_find(r, CTL_R_IPADDRESS);

			if (n->has_ip && ip && ip->len == 4 && memcmp(ip->val, n->ip, 4))
				ctl_findings_add(fs, "NODE-IP-CHANGED", &ra, "the record has address %u.%u.%u.%u, the "
				    "cluster file %u.%u.%u.%u for node %s", ip->val[0], ip->val[1],
				    ip->val[2], ip->val[3], n->ip[0], n->ip[1], n->ip[2], n->ip[3], n->name);
			if (is_blank(r) && non_secure && is_ccm_role(ctl_rec_function(r)))
				continue;
			if (!ctl_record_holds(r, cur->x)) {
				serial_of(r, was, sizeof(was));
				cert_serial(cur->x, now, sizeof(now));
				ctl_findings_add(fs, stale, &ra, "holds serial %s, but node %s's %s certificate (%s:%d, `%s') "
				    "is serial %s", was[0] ? was : "(none)", n->name, key, c->path, cur->line,
				    cur->path, now);
				ctl_findings_advise(fs, "the certificate was regenerated and the %s not updated: rebuild it "
				       "(ctlsign build --cluster %s) and publish it before restarting services",
				       ctl_kind(f), c->path);
			}
		}
	}
}

static bool known_host(const ctl_cluster *c, const char *host)
{
	for (size_t i = 0; i < c->nnodes; i++)
		if (!strcasecmp(c->nodes[i].host, host))
			return true;
	for (size_t i = 0; i < c->nextra; i++)
		if (!strcasecmp(c->extra[i].host, host))
			return true;
	return false;
}

static void check_cluster(const ctl_check_in *in, ctl_findings *fs, const char *path,
			  const ctl_file *f, const struct ccerts *cc)
{
	const ctl_cluster *c = in->cluster;
	bool itl = is_itl(f);
	bool blanked = false, certified = false;
	const struct ccert *rec = NULL;

	for (size_t i = 0; i < cc->n; i++)
		if (!strcmp(cc->c[i].key, "itlrecovery"))
			rec = &cc->c[i];
	for (size_t i = 0; i < f->nrec; i++) {
		const ctl_record *r = &f->rec[i];
		int role = ctl_rec_function(r);

		if (!is_ccm_role(role))
			continue;
		if (is_blank(r))
			blanked = true;
		else
			certified = true;
		if (dns_of(r)[0] && !known_host(c, dns_of(r))) {
			ctl_finding_about ra = rec_about(path, f, i);
			ctl_findings_add(fs, "NODE-EXTRA", &ra, "a %s record for host %s, which the cluster file no longer "
			    "names", role_kw(role), dns_of(r));
			ctl_findings_advise(fs, "if the node left the cluster, rebuild without it; if not, add it to %s",
			       c->path);
		}
	}
	if (!itl) {
		ctl_finding_about a = {path, 0, 0, NULL, NULL};
		if (c->non_secure && certified) {
			ctl_findings_add(fs, "MODE-MISMATCH", &a, "the cluster file says non-secure, but the CTL holds "
			    "CallManager certificates (mixed mode)");
			ctl_findings_advise(fs, "build the non-secure CTL (mode = non-secure) or fix the cluster file");
		} else if (!c->non_secure && blanked && !certified) {
			ctl_findings_add(fs, "MODE-MISMATCH", &a, "the cluster file says mixed mode, but the CTL's "
			    "CallManager records are blanked (non-secure)");
			ctl_findings_advise(fs, "build the mixed-mode CTL, or set mode = non-secure");
		}
	}
	if (!itl) {
		bool (*ccm)(int) = is_ccm_role;
		node_records(in, fs, path, f, cc, "callmanager", ccm, "NODE-MISSING", "NODE-CERT-STALE",
			     CTL_NODE_CCM | CTL_NODE_TFTP);
		node_records(in, fs, path, f, cc, "capf", role_capf, "CAPF-MISSING", "CAPF-STALE",
			     CTL_NODE_CAPF);
	} else {
		node_records(in, fs, path, f, cc, "tvs", role_tvs, "TVS-MISSING", "TVS-STALE", CTL_NODE_TVS);
		node_records(in, fs, path, f, cc, "capf", role_capf, "CAPF-MISSING", "CAPF-STALE",
			     CTL_NODE_CAPF);
		/* The ITL is one TFTP node's: its TFTP record holds that node's
		 * CallManager certificate. */
		for (size_t i = 0; i < f->nrec; i++) {
			const ctl_record *r = &f->rec[i];
			const ctl_cluster_node *n = NULL;
			const struct ccert *cur;

			if (!role_tftp(ctl_rec_function(r)) || is_blank(r))
				continue;
			for (size_t k = 0; k < c->nnodes && !n; k++)
				if (!strcasecmp(c->nodes[k].host, dns_of(r)))
					n = &c->nodes[k];
			if (!n || !(cur = ccert_of(cc, n, "callmanager")) || ctl_record_holds(r, cur->x))
				continue;
			{
				ctl_finding_about ra = rec_about(path, f, i);
				char was[128], now[128];
				serial_of(r, was, sizeof(was));
				cert_serial(cur->x, now, sizeof(now));
				ctl_findings_add(fs, "NODE-CERT-STALE", &ra, "holds serial %s, but node %s's callmanager "
				    "certificate (%s:%d, `%s') is serial %s", was, n->name, c->path, cur->line,
				    cur->path, now);
				ctl_findings_advise(fs, "the ITL is stale: the TFTP node rebuilds it when its certificate "
				       "changes (restart Cisco TFTP), or rebuild it with ctlsign build --itl");
			}
		}
	}
	/* ITLRecovery: a SAST record named ITLRECOVERY_ that is not the cluster's. */
	for (size_t i = 0; rec && i < f->nrec; i++) {
		const ctl_record *r = &f->rec[i];
		if (ctl_rec_function(r) == CTL_ROLE_SAST && cn_starts(ctl_rec_cert(r), "ITLRECOVERY") &&
		    !ctl_record_holds(r, rec->x)) {
			ctl_finding_about ra = rec_about(path, f, i);
			ctl_findings_add(fs, "ITLRECOVERY-STALE", &ra, "holds another ITLRecovery certificate than the "
			    "cluster's (%s:%d)", c->path, rec->line);
			ctl_findings_advise(fs, "rebuild the %s with the current ITLRecovery certificate", ctl_kind(f));
		}
	}
	if (!itl && rec && !c->non_secure && ctl_release_cmp(&c->rel, 10, 5, 2, 0) >= 0 &&
	    !find_cert(f, rec->x, role_sast) && certified) {
		ctl_finding_about a = {path, 0, 0, "SAST", NULL};
		ctl_findings_add(fs, "ITLRECOVERY-MISSING", &a, "release %s lists ITLRecovery as a SAST record of the "
		    "CTL, and this CTL does not", c->release);
	}
	/* Tokens. */
	if (!itl) {
		for (size_t i = 0; i < cc->n; i++) {
			if (strcmp(cc->c[i].key, "token") || find_cert(f, cc->c[i].x, role_sast))
				continue;
			ctl_finding_about ta = {c->path, 0, cc->c[i].line, "token", cc->c[i].node};
			if (certified && c->signer_kind == CTL_SIGNER_TOKEN)
				ctl_findings_add(fs, "TOKEN-MISSING", &ta, "[token %s] is not a SAST record of %s",
				    cc->c[i].node, path);
		}
		for (size_t i = 0; i < f->nrec; i++) {
			bool named = false;
			if (!ctl_record_is_token(&f->rec[i]))
				continue;
			for (size_t k = 0; k < cc->n && !named; k++)
				named = !strcmp(cc->c[k].key, "token") && ctl_record_holds(&f->rec[i], cc->c[k].x);
			if (!named) {
				ctl_finding_about ra = rec_about(path, f, i);
				ctl_findings_add(fs, "TOKEN-UNKNOWN", &ra, "an eToken the cluster file does not name");
			}
		}
	}
}

/* ---- the CTL against the ITL --------------------------------------------------- */

static void check_pair(ctl_findings *fs, const char *ctl_path, const ctl_file *ctl,
		       const char *itl_path, const ctl_file *itl)
{
	if (!ctl->rec || !itl->rec)
		return;
	for (size_t i = 0; i < itl->nrec; i++) {
		const ctl_record *ir = &itl->rec[i], *cr;

		if (!role_tftp(ctl_rec_function(ir)) || !ctl_rec_cert(ir) || !dns_of(ir)[0])
			continue;
		cr = find_host(ctl, dns_of(ir), is_ccm_role);
		if (cr && !is_blank(cr) && !ctl_record_holds(cr, ctl_rec_cert(ir))) {
			ctl_finding_about ra = rec_about(ctl_path, ctl, (size_t)index_of(ctl, cr) - 1);
			ctl_findings_add(fs, "CTL-ITL-DISAGREE", &ra, "the CTL's record for TFTP node %s and the ITL's "
			    "(%s record %zu) hold different certificates", dns_of(ir), itl_path, i + 1);
			ctl_findings_advise(fs, "rebuild whichever list is stale from the cluster's current "
			       "certificates");
		}
	}
	for (size_t i = 0; i < ctl->nrec; i++) {
		const ctl_record *cr = &ctl->rec[i];

		if (ctl_rec_function(cr) != CTL_ROLE_SAST || !cn_starts(ctl_rec_cert(cr), "ITLRECOVERY"))
			continue;
		for (size_t k = 0; k < itl->nrec; k++) {
			const ctl_record *ir = &itl->rec[k];
			if (ctl_rec_function(ir) == CTL_ROLE_SAST && cn_starts(ctl_rec_cert(ir), "ITLRECOVERY") &&
			    !ctl_record_holds(ir, ctl_rec_cert(cr))) {
				ctl_finding_about ra = rec_about(ctl_path, ctl, i);
				ctl_findings_add(fs, "ITLRECOVERY-DIFFERS", &ra, "the CTL's ITLRecovery is not the ITL's "
				    "(%s record %zu)", itl_path, k + 1);
				ctl_findings_advise(fs, "rebuild both from the current ITLRecovery certificate "
				       "(CUCM: utils ctl reset localkey, then update the CTL)");
			}
		}
	}
}

/* ---- all of it --------------------------------------------------------------------- */

static void check_list(const ctl_check_in *in, ctl_findings *fs, const char *path,
		       const ctl_file *f, size_t len, const struct ccerts *cc, bool is_new)
{
	check_structure(fs, path, f, len, is_new);
	check_records(fs, path, f);
	check_validity(in, fs, path, f);
	if (in->cluster)
		check_cluster(in, fs, path, f, cc);
}

ctl_status ctl_check(const ctl_check_in *in, ctl_findings *out, ctl_err *err)
{
	struct ccerts cc = {0};
	ctl_status rc = CTL_OK;
	const ctl_file *ctl = NULL, *itl = NULL;
	const char *ctl_path = NULL, *itl_path = NULL;
	ctl_err e2;

	memset(out, 0, sizeof(*out));
	if (in->cluster && (rc = ccerts_load(in->cluster, &cc, err)))
		goto out;
	if (in->new_f) {
		check_signature(in, out, &e2);
		check_trust(in, out, &e2);
		check_list(in, out, in->new_path, in->new_f, in->new_len, &cc, true);
		if (is_itl(in->new_f)) {
			itl = in->new_f;
			itl_path = in->new_path;
			ctl = in->held.ctl;
			ctl_path = in->held.ctl_path;
		} else {
			ctl = in->new_f;
			ctl_path = in->new_path;
			itl = in->held.itl;
			itl_path = in->held.itl_path;
		}
	} else {
		/* A health check of what phones hold. */
		ctl = in->held.ctl;
		ctl_path = in->held.ctl_path;
		itl = in->held.itl;
		itl_path = in->held.itl_path;
		if (ctl)
			check_list(in, out, ctl_path, ctl, ctl->size, &cc, false);
		if (itl)
			check_list(in, out, itl_path, itl, itl->size, &cc, false);
	}
	/* Lists phones hold together must agree; a new list is judged by what
	 * phones do with it instead (the other list follows it). */
	if (!in->new_f && ctl && itl)
		check_pair(out, ctl_path, ctl, itl_path, itl);
	/* The cluster's own certificates that no list checked holds. */
	for (size_t i = 0; i < cc.n; i++) {
		bool listed = false;
		const ctl_file *lists[] = {in->new_f, ctl, itl};
		char what[160];
		ctl_finding_about a = {in->cluster->path, 0, cc.c[i].line, cc.c[i].key, cc.c[i].node};

		for (size_t k = 0; k < 3 && !listed; k++)
			for (size_t j = 0; lists[k] && j < lists[k]->nrec && !listed; j++)
				listed = ctl_cert_eq(ctl_rec_cert(&lists[k]->rec[j]), cc.c[i].x);
		if (listed)
			continue;
		snprintf(what, sizeof(what), "the %s certificate of %s (`%s')", cc.c[i].key, cc.c[i].node,
			 cc.c[i].path);
		validity(out, cc.c[i].x, &a, what, in->at);
	}
	ERR_clear_error();
	ctl_findings_order(out);
	if (out->oom)
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
out:
	ccerts_free(&cc);
	return rc;
}

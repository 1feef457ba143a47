/* The phone trust model (phone.h, docs/trust-model.md). */
#include "phone.h"

#include "identity.h"

#include <openssl/err.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *ctl_phone_verdict_word(ctl_phone_verdict v)
{
	switch (v) {
	case CTL_PHONE_ACCEPTED: return "accepted";
	case CTL_PHONE_VIA_TVS: return "accepted-via-tvs";
	case CTL_PHONE_REJECTED: return "rejected";
	}
	return "rejected";
}

const char *ctl_phone_path_word(ctl_phone_path p)
{
	switch (p) {
	case CTL_PATH_NONE: return "none";
	case CTL_PATH_FIRST: return "first";
	case CTL_PATH_HELD: return "held";
	case CTL_PATH_TVS: return "tvs";
	}
	return "none";
}

bool ctl_record_is_token(const ctl_record *r)
{
	return ctl_rec_function(r) == CTL_ROLE_SAST &&
	       !ctl_tlv_str(ctl_rec_find(r, CTL_R_DNSNAME))[0];
}

/* ---- the TVS view --------------------------------------------------------- */

ctl_status ctl_tvs_view_add(ctl_tvs_view *v, bool tvs, X509 *x, const char *host, ctl_err *err)
{
	X509 ***arr = tvs ? &v->tvs : &v->trusted;
	size_t *n = tvs ? &v->ntvs : &v->ntrusted;
	X509 **p;
	char *h = NULL;

	if (!x)
		return CTL_OK;
	for (size_t i = 0; i < *n; i++)
		if (ctl_cert_eq((*arr)[i], x))
			return CTL_OK;
	if (tvs) {
		char **q = realloc(v->tvs_host, (v->ntvs + 1) * sizeof(*q));
		if (!q)
			goto oom;
		v->tvs_host = q;
		if (host && *host && !(h = strdup(host)))
			goto oom;
	}
	if (!(p = realloc(*arr, (*n + 1) * sizeof(*p))))
		goto oom;
	*arr = p;
	if (!X509_up_ref(x))
		goto oom;
	if (tvs) {
		v->tvs_host[*n] = h;
		v->known = true;
	}
	p[(*n)++] = x;
	return CTL_OK;
oom:
	free(h);
	return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
}

ctl_status ctl_tvs_view_add_file(ctl_tvs_view *v, const ctl_file *f, ctl_err *err)
{
	for (size_t i = 0; i < f->nrec; i++) {
		const ctl_record *r = &f->rec[i];
		int role = ctl_rec_function(r);
		ctl_status rc;
		X509 *x;

		if (role != CTL_ROLE_TVS && role != CTL_ROLE_SAST && role != CTL_ROLE_CCM &&
		    role != CTL_ROLE_TFTP && role != CTL_ROLE_CCM_TFTP)
			continue;
		/* A list parsed lazily: a certificate that does not decode is
		 * found out here. */
		if ((rc = ctl_rec_cert_get(r, &x, err)))
			return rc;
		if (!x)
			continue;
		if (role == CTL_ROLE_TVS)
			rc = ctl_tvs_view_add(v, true, x, ctl_tlv_str(ctl_rec_find(r, CTL_R_DNSNAME)),
					      err);
		else
			rc = ctl_tvs_view_add(v, false, x, NULL, err);
		if (rc)
			return rc;
	}
	return CTL_OK;
}

void ctl_tvs_view_free(ctl_tvs_view *v)
{
	for (size_t i = 0; i < v->ntvs; i++) {
		X509_free(v->tvs[i]);
		free(v->tvs_host[i]);
	}
	free(v->tvs_host);
	for (size_t i = 0; i < v->ntrusted; i++)
		X509_free(v->trusted[i]);
	free(v->tvs);
	free(v->trusted);
	memset(v, 0, sizeof(*v));
}

/* ---- anchors ----------------------------------------------------------------- */

ctl_status ctl_held_anchors(const ctl_held *h, bool itl, ctl_trust **out, ctl_err *err)
{
	ctl_status rc = CTL_OK;

	*out = NULL;
	if (h->ctl)
		rc = ctl_trust_add_file(out, h->ctl, h->ctl_path,
					itl ? CTL_ROLES_SAST | CTL_ROLES_TFTP : CTL_ROLES_SAST, err);
	if (!rc && itl && h->itl)
		rc = ctl_trust_add_file(out, h->itl, h->itl_path, CTL_ROLES_SAST, err);
	if (rc) {
		ctl_trust_free(*out);
		*out = NULL;
	}
	return rc;
}

/* Phones hold nothing that could sign a list of this kind. */
static bool first_of_kind(const ctl_held *h, bool itl)
{
	return itl ? !h->ctl && !h->itl : !h->ctl;
}

static bool known_of_kind(const ctl_held *h, bool itl)
{
	return itl ? h->itl_known || h->ctl : h->ctl_known;
}

static const char *role_word(int role)
{
	const char *k = role >= 0 ? ctl_role_keyword((unsigned)role) : NULL;
	return k ? k : "record";
}

static void accepted_first(const ctl_held *h, bool itl, ctl_phone_result *r)
{
	r->verdict = CTL_PHONE_ACCEPTED;
	r->path = CTL_PATH_FIRST;
	if (itl)
		snprintf(r->why, sizeof(r->why),
			 "phones hold no CTL and no ITL: they take the first ITL they get");
	else
		snprintf(r->why, sizeof(r->why),
			 "phones hold no CTL%s: they take the first CTL they get",
			 h->itl ? " (their ITL does not sign CTLs)" : "");
}

static void accepted_held(const ctl_held *h, const ctl_anchor *a, ctl_phone_result *r)
{
	r->verdict = CTL_PHONE_ACCEPTED;
	r->path = CTL_PATH_HELD;
	/* The anchors go with their set: point at the caller's own name. */
	r->held = h->ctl_path && !strcmp(a->source, h->ctl_path) ? h->ctl_path : h->itl_path;
	r->held_record = a->record;
	r->held_role = a->role;
	snprintf(r->why, sizeof(r->why), "the signer is %s record %d of %s, which phones hold",
		 role_word(a->role), a->record, r->held);
}

/* Phones that do not know the signer ask TVS, if they can. Fills r with
 * VIA_TVS or REJECTED. */
/* What became of a TVS certificate phones hold: still served, regenerated
 * on the same host, or gone with its node. */
enum tvs_fate { TVS_SAME, TVS_REGENERATED, TVS_GONE };

static enum tvs_fate tvs_fate(const ctl_record *rec, const ctl_tvs_view *tv)
{
	const char *host = ctl_tlv_str(ctl_rec_find(rec, CTL_R_DNSNAME));

	for (size_t k = 0; k < tv->ntvs; k++)
		if (ctl_record_holds(rec, tv->tvs[k]))
			return TVS_SAME;
	for (size_t k = 0; host[0] && k < tv->ntvs; k++)
		if (tv->tvs_host[k] && !strcasecmp(tv->tvs_host[k], host))
			return TVS_REGENERATED;
	return TVS_GONE;
}

/* Phones that do not know the signer ask TVS, if they can. Fills r with
 * VIA_TVS or REJECTED. */
static ctl_status judge_tvs(const ctl_held *h, X509 *signer, const ctl_tvs_view *tv,
			    const char *unknown, ctl_phone_result *r, ctl_err *err)
{
	char regen[256] = "", sig[384], no[512];
	size_t nheld = 0, nsame = 0, o = 0;
	int first_same = 0;
	bool vouched = false;
	const char *tvs_no = NULL;

	(void)err;
	r->verdict = CTL_PHONE_REJECTED;
	r->path = CTL_PATH_NONE;
	ctl_cert_describe(signer, sig, sizeof(sig));
	if (!h->itl) {
		tvs_no = h->itl_known ? "phones hold no ITL, so they know no TVS to ask"
				      : "the ITL phones hold was not given, so TVS cannot be judged "
					"(name it, e.g. --current ITLFile.tlv)";
	} else {
		for (size_t i = 0; i < h->itl->nrec; i++) {
			const ctl_record *rec = &h->itl->rec[i];
			enum tvs_fate fate;

			if (ctl_rec_function(rec) != CTL_ROLE_TVS)
				continue;
			nheld++;
			fate = tvs_fate(rec, tv);
			if (fate == TVS_SAME && !nsame++)
				first_same = (int)i + 1;
			if (fate == TVS_REGENERATED && o < sizeof(regen))
				o += (size_t)snprintf(regen + o, sizeof(regen) - o, "%s%s", o ? ", " : "",
						      ctl_tlv_str(ctl_rec_find(rec, CTL_R_DNSNAME)));
		}
		for (size_t k = 0; k < tv->ntrusted && !vouched; k++)
			vouched = signer && ctl_cert_same(tv->trusted[k], signer);
		if (!nheld) {
			tvs_no = "the ITL phones hold lists no TVS certificate";
		} else if (!tv->known) {
			tvs_no = "the cluster's TVS certificates are not known here, so whether TVS "
				 "is unchanged cannot be told (describe the cluster with --cluster)";
		} else if (regen[0]) {
			snprintf(no, sizeof(no), "the TVS certificate of %s was regenerated too, so the "
				 "phones that ask that TVS cannot check the new signer (regenerate TVS "
				 "first, let phones take the ITL with the new TVS, then the signer)", regen);
			tvs_no = no;
		} else if (!nsame) {
			tvs_no = "no TVS certificate phones hold is still served by the cluster";
		} else if (!signer) {
			tvs_no = "the signer has no certificate TVS could vouch for";
		} else if (!vouched) {
			tvs_no = "TVS vouches only for the cluster's CallManager, ITLRecovery and "
				 "token certificates, and the signer is none of them";
		}
	}
	if (tvs_no) {
		snprintf(r->why, sizeof(r->why), "the signer (%s) %s, and TVS cannot vouch: %s",
			 sig, unknown, tvs_no);
		return CTL_OK;
	}
	r->verdict = CTL_PHONE_VIA_TVS;
	r->path = CTL_PATH_TVS;
	r->held = h->itl_path;
	r->held_record = first_same;
	r->held_role = CTL_ROLE_TVS;
	snprintf(r->why, sizeof(r->why),
		 "the signer (%s) %s; phones with Security by Default ask TVS (record %d of %s, "
		 "unchanged), which vouches for it as a certificate of the cluster",
		 sig, unknown, first_same, h->itl_path);
	snprintf(r->caveat, sizeof(r->caveat),
		 "phones without Security by Default (7940/7960, Jabber, some TelePresence) cannot "
		 "ask TVS: they reject it and keep the old list until it is deleted by hand");
	return CTL_OK;
}

/* "is not a SAST record in the lists phones hold", and why not at all. */
static void not_held(const ctl_held *h, const ctl_trust *t, bool itl, char *out, size_t n)
{
	size_t usable = 0;

	for (size_t i = 0; t && i < t->n; i++)
		usable += !t->a[i].unusable[0];
	if (usable)
		snprintf(out, n, "is not %s in the lists phones hold",
			 itl ? "a SAST (or the CTL's TFTP) record" : "a SAST record");
	else if (itl)
		snprintf(out, n, "is not in the lists phones hold (they list no usable SAST or "
			 "TFTP record)");
	else
		snprintf(out, n, "is not in the lists phones hold (the CTL they hold, %.200s, lists "
			 "no usable SAST record)", h->ctl_path);
}

static void advise(const ctl_held *h, bool itl, ctl_phone_result *r)
{
	if (r->verdict == CTL_PHONE_VIA_TVS)
		snprintf(r->advice, sizeof(r->advice),
			 "sign with a certificate the %s phones hold lists (as SAST), or accept "
			 "the TVS path knowingly (--via-tvs)", itl && !h->ctl ? "ITL" : "CTL");
	else if (r->verdict == CTL_PHONE_REJECTED)
		snprintf(r->advice, sizeof(r->advice),
			 "sign with a certificate the %s phones hold lists as SAST (add the new "
			 "signer in an update signed by one of those first), or, if phones really "
			 "hold nothing, say so with --first",
			 itl && !h->ctl ? "ITL" : "CTL");
}

ctl_status ctl_phone_judge_cert(const ctl_held *h, bool itl, X509 *signer,
				const ctl_tvs_view *tv, ctl_phone_result *r, ctl_err *err)
{
	ctl_trust *t = NULL;
	ctl_status rc;
	const ctl_anchor *hit = NULL;
	char unknown[320];

	memset(r, 0, sizeof(*r));
	if (!known_of_kind(h, itl) && first_of_kind(h, itl))
		return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				   "what phones hold is not known");
	if (first_of_kind(h, itl)) {
		accepted_first(h, itl, r);
		return CTL_OK;
	}
	if ((rc = ctl_held_anchors(h, itl, &t, err)))
		return rc;
	for (size_t i = 0; t && i < t->n && !hit; i++) {
		const ctl_anchor *a = &t->a[i];

		if (!a->unusable[0] && a->key && X509_get0_pubkey(signer) &&
		    ctl_cert_is(signer, a->serial, a->serial_len, a->issuer) &&
		    EVP_PKEY_eq(a->key, X509_get0_pubkey(signer)) == 1)
			hit = a;
	}
	ERR_clear_error();
	if (hit) {
		accepted_held(h, hit, r);
	} else {
		not_held(h, t, itl, unknown, sizeof(unknown));
		rc = judge_tvs(h, signer, tv, unknown, r, err);
		advise(h, itl, r);
	}
	ctl_trust_free(t);
	return rc;
}

ctl_status ctl_phone_judge_file(const ctl_held *h, const uint8_t *buf, size_t len,
				const ctl_file *f, const ctl_tvs_view *tv,
				const ctl_verify_opts *vo, ctl_phone_result *r, ctl_err *err)
{
	bool itl = !strcmp(ctl_kind(f), "ITL");
	ctl_verify_opts o = *vo;
	ctl_verify_result self, vr;
	ctl_trust *t = NULL;
	ctl_status rc;
	ctl_err e;

	memset(r, 0, sizeof(*r));
	r->signature_checked = true;
	o.trust = NULL;
	rc = ctl_verify_ex(buf, len, f, &o, &self, &e);
	if (rc && rc != CTL_E_VERIFY) {
		*err = e;
		return rc;
	}
	if (rc == CTL_E_VERIFY) {
		r->verdict = CTL_PHONE_REJECTED;
		snprintf(r->why, sizeof(r->why), "the file's own signature does not verify: %s",
			 self.reason);
		snprintf(r->advice, sizeof(r->advice), "rebuild and sign it again");
		return CTL_OK;
	}
	if (!known_of_kind(h, itl) && first_of_kind(h, itl))
		return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "what phones hold is not known");
	if (first_of_kind(h, itl)) {
		accepted_first(h, itl, r);
		return CTL_OK;
	}
	if ((rc = ctl_held_anchors(h, itl, &t, err)))
		return rc;
	o.trust = t;
	rc = ctl_verify_ex(buf, len, f, &o, &vr, &e);
	if (rc == CTL_OK && vr.anchor) {
		accepted_held(h, vr.anchor, r);
	} else if (rc == CTL_E_VERIFY && vr.signer_found) {
		/* The phone finds the signer but the signature does not hold with
		 * the key it knows (or it cannot tell which record is meant). */
		r->verdict = CTL_PHONE_REJECTED;
		snprintf(r->why, sizeof(r->why), "phones find the signer in the lists they hold, "
			 "but: %s", vr.reason);
		snprintf(r->advice, sizeof(r->advice),
			 "sign with the key of the certificate phones hold");
		rc = CTL_OK;
	} else if (rc == CTL_E_VERIFY || rc == CTL_OK) {
		char unknown[320];

		not_held(h, t, itl, unknown, sizeof(unknown));
		rc = judge_tvs(h, ctl_verify_signer_cert(&self, f), tv, unknown, r, err);
		advise(h, itl, r);
	} else {
		*err = e;
	}
	ctl_trust_free(t);
	return rc;
}

/* Safe updates beyond the phone model (update.h). */
#include "update.h"

#include "identity.h"
#include "phone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ctl_spec_non_secure(const ctl_spec *s)
{
	bool blank = false;

	for (size_t i = 0; i < s->n; i++) {
		int r = s->e[i].role;
		if (r != CTL_ROLE_CCM && r != CTL_ROLE_CCM_TFTP && r != CTL_ROLE_TFTP)
			continue;
		if (!s->e[i].blank)
			return false;
		blank = true;
	}
	return blank;
}

/* Distinct tokens of the new CTL: token entries, and the signer. Two
 * entries with the same certificate or the same serial count once. */
static size_t count_tokens(const ctl_spec *s, X509 *signer, bool token_signed)
{
	X509 *seen[CTL_RECORDS_MAX + 1];
	size_t n = 0;

	for (size_t i = 0; i <= s->n; i++) {
		X509 *x = i < s->n ? (s->e[i].role == CTL_ROLE_SAST && s->e[i].token ? s->e[i].cert : NULL)
				   : (token_signed ? signer : NULL);
		bool dup = false;

		if (!x)
			continue;
		for (size_t k = 0; k < n && !dup; k++) {
			size_t a = 0, b = 0;
			uint8_t *sa = ctl_serial_bytes(seen[k], &a), *sb = ctl_serial_bytes(x, &b);
			dup = ctl_cert_same(seen[k], x) || (sa && sb && ctl_serial_eq(sa, a, sb, b));
			free(sa);
			free(sb);
		}
		if (!dup && n < CTL_RECORDS_MAX + 1)
			seen[n++] = x;
	}
	return n;
}

static bool spec_has_record(const ctl_spec *s, const ctl_record *r)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].role == CTL_ROLE_SAST && s->e[i].cert && ctl_record_holds(r, s->e[i].cert))
			return true;
	return false;
}

ctl_status ctl_token_rules(const ctl_spec *s, X509 *signer, bool token_signed,
			   const ctl_file *held_ctl, bool trusted, ctl_err *err)
{
	bool non_secure = ctl_spec_non_secure(s);
	size_t need = non_secure ? 1 : 2, have;

	if (s->itl || !token_signed)
		return CTL_OK;
	have = count_tokens(s, signer, token_signed);
	if (have < need)
		return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				   "a token-signed CTL needs at least two distinct eTokens, so that one "
				   "can be lost (the CTL Client's rule; a non-secure CTL needs one), and "
				   "this one has %zu: add a [token] section (or --sast CERT) for the "
				   "second token", have);
	if (!held_ctl || trusted)
		return CTL_OK;
	for (size_t i = 0; i < held_ctl->nrec; i++) {
		const ctl_record *r = &held_ctl->rec[i];
		char what[512];

		if (!ctl_record_is_token(r) || spec_has_record(s, r))
			continue;
		ctl_cert_describe(ctl_rec_cert(r), what, sizeof(what));
		return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				   "this update removes eToken SAST record %zu (%s) while it is signed "
				   "by a token the CTL phones hold does not list: the CTL Client's rule "
				   "is that a token is removed (or a lost one replaced) only in an update "
				   "signed by a token phones already trust", i + 1, what);
	}
	return CTL_OK;
}

static const ctl_record *held_record_of(const ctl_file *held, X509 *cert, int role)
{
	const ctl_record *any = NULL;

	for (size_t i = 0; i < held->nrec; i++) {
		const ctl_record *r = &held->rec[i];

		if (!ctl_rec_find(r, CTL_R_SUBJECTNAME) || !ctl_record_holds(r, cert))
			continue;
		if (ctl_rec_function(r) == role)
			return r;
		if (!any)
			any = r;
	}
	return any;
}

int ctl_spec_keep_held_strings(ctl_spec *s, const ctl_file *held)
{
	int kept = 0;

	if (!held)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		ctl_entry *e = &s->e[i];
		const ctl_record *r;
		const ctl_tlv *subj, *iss;
		char *a = NULL, *b = NULL;

		if (!e->cert || e->blank || e->raw || !(r = held_record_of(held, e->cert, e->role)))
			continue;
		subj = ctl_rec_find(r, CTL_R_SUBJECTNAME);
		iss = ctl_rec_find(r, CTL_R_ISSUERNAME);
		if ((subj && !(a = strdup(ctl_tlv_str(subj)))) || (iss && !(b = strdup(ctl_tlv_str(iss))))) {
			free(a);
			free(b);
			return -1;
		}
		if (a) {
			free(e->subject_str);
			e->subject_str = a;
		}
		if (b) {
			free(e->issuer_str);
			e->issuer_str = b;
		}
		kept++;
	}
	return kept;
}

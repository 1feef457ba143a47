/* Comparing two trust lists (diff.h). */
#include "diff.h"

#include "identity.h"

#include <openssl/err.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *ctl_change_word(ctl_change_kind k)
{
	switch (k) {
	case CTL_CHANGE_ADDED: return "added";
	case CTL_CHANGE_REMOVED: return "removed";
	case CTL_CHANGE_REPLACED: return "replaced";
	case CTL_CHANGE_CHANGED: return "changed";
	}
	return "changed";
}

void ctl_diff_free(ctl_diff *d)
{
	free(d->c);
	memset(d, 0, sizeof(*d));
}

static bool tlv_eq(const ctl_tlv *a, const ctl_tlv *b)
{
	if (!a || !b)
		return !a && !b;
	return a->len == b->len && (!a->len || !memcmp(a->val, b->val, a->len));
}

static const char *dns(const ctl_record *r)
{
	return ctl_tlv_str(ctl_rec_find(r, CTL_R_DNSNAME));
}

/* The same certificate: serial, issuer as a DN and key; records without a
 * serial (blanked ones) by host and address. */
static bool same_identity(const ctl_record *a, const ctl_record *b)
{
	const ctl_tlv *sa = ctl_rec_find(a, CTL_R_SERIALNUMBER), *sb = ctl_rec_find(b, CTL_R_SERIALNUMBER);
	bool oa, ob, eq;
	EVP_PKEY *ka, *kb;

	if (!sa || !sb)
		return !sa && !sb && !strcasecmp(dns(a), dns(b)) &&
		       tlv_eq(ctl_rec_find(a, CTL_R_IPADDRESS), ctl_rec_find(b, CTL_R_IPADDRESS));
	if (!ctl_serial_eq(sa->val, sa->len, sb->val, sb->len) ||
	    !ctl_dn_equal(ctl_tlv_str(ctl_rec_find(a, CTL_R_ISSUERNAME)),
			  ctl_tlv_str(ctl_rec_find(b, CTL_R_ISSUERNAME))))
		return false;
	ka = ctl_record_pubkey(a, &oa);
	kb = ctl_record_pubkey(b, &ob);
	eq = !ka || !kb || EVP_PKEY_eq(ka, kb) == 1;
	if (oa)
		EVP_PKEY_free(ka);
	if (ob)
		EVP_PKEY_free(kb);
	ERR_clear_error();
	return eq;
}

static unsigned what_differs(const ctl_record *a, const ctl_record *b)
{
	unsigned w = 0;
	static const struct {
		unsigned tag, bit;
	} fields[] = {
		{CTL_R_DNSNAME, CTL_DIFF_DNSNAME},
		{CTL_R_IPADDRESS, CTL_DIFF_IPADDRESS},
		{CTL_R_SUBJECTNAME, CTL_DIFF_SUBJECTNAME},
		{CTL_R_ISSUERNAME, CTL_DIFF_ISSUERNAME},
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!tlv_eq(ctl_rec_find(a, fields[i].tag), ctl_rec_find(b, fields[i].tag)))
			w |= fields[i].bit;
	if (!w) {
		/* Same named fields: anything else (extra tags, their order)? */
		bool same = a->ntlv == b->ntlv;
		for (size_t i = 0; same && i < a->ntlv; i++)
			same = a->tlv[i].tag == b->tlv[i].tag && tlv_eq(&a->tlv[i], &b->tlv[i]);
		if (!same)
			w |= CTL_DIFF_OTHER;
	}
	return w;
}

static bool push(ctl_diff *d, ctl_change c)
{
	ctl_change *p = realloc(d->c, (d->n + 1) * sizeof(*p));

	if (!p)
		return false;
	d->c = p;
	d->c[d->n++] = c;
	return true;
}

static unsigned header_diff(const ctl_file *a, const ctl_file *b)
{
	unsigned h = 0;
	const ctl_tlv *sa = ctl_hdr_find(a, CTL_H_SERIALNUMBER), *sb = ctl_hdr_find(b, CTL_H_SERIALNUMBER);
	const char *ca = ctl_tlv_str(ctl_hdr_find(a, CTL_H_CANAME));
	const char *cb = ctl_tlv_str(ctl_hdr_find(b, CTL_H_CANAME));

	if (!tlv_eq(ctl_hdr_find(a, CTL_H_VERSION), ctl_hdr_find(b, CTL_H_VERSION)))
		h |= CTL_DIFF_H_VERSION;
	if (!tlv_eq(ctl_hdr_find(a, CTL_H_DIGESTALGORITHM), ctl_hdr_find(b, CTL_H_DIGESTALGORITHM)))
		h |= CTL_DIFF_H_DIGEST;
	if (!tlv_eq(ctl_hdr_find(a, CTL_H_SIGNERVERSION), ctl_hdr_find(b, CTL_H_SIGNERVERSION)))
		h |= CTL_DIFF_H_SIGNERVERSION;
	if (!tlv_eq(ctl_hdr_find(a, CTL_H_FILENAME), ctl_hdr_find(b, CTL_H_FILENAME)))
		h |= CTL_DIFF_H_FILENAME;
	if (!tlv_eq(ctl_hdr_find(a, CTL_H_TIMESTAMP), ctl_hdr_find(b, CTL_H_TIMESTAMP)))
		h |= CTL_DIFF_H_TIMESTAMP;
	if (!tlv_eq(ctl_hdr_find(a, CTL_H_SIGNATUREMODULUS), ctl_hdr_find(b, CTL_H_SIGNATUREMODULUS)))
		h |= CTL_DIFF_H_KEYSIZE;
	if (!sa || !sb || !ctl_serial_eq(sa->val, sa->len, sb->val, sb->len) || !ctl_dn_equal(ca, cb))
		h |= CTL_DIFF_H_SIGNER;
	else if (!tlv_eq(ctl_hdr_find(a, CTL_H_SIGNERNAME), ctl_hdr_find(b, CTL_H_SIGNERNAME)))
		h |= CTL_DIFF_H_SIGNERNAME;
	return h;
}

ctl_status ctl_diff_files(const ctl_file *a, const ctl_file *b, ctl_diff *d, ctl_err *err)
{
	int *pair_of_new = NULL;   /* new record -> old record (1-based), 0 none */
	bool *old_used = NULL;
	ctl_status rc = CTL_OK;

	memset(d, 0, sizeof(*d));
	d->header = header_diff(a, b);
	pair_of_new = calloc(b->nrec + 1, sizeof(*pair_of_new));
	old_used = calloc(a->nrec + 1, sizeof(*old_used));
	if (!pair_of_new || !old_used) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	/* Pass 1: the same certificate in the same role. */
	for (size_t j = 0; j < b->nrec; j++)
		for (size_t i = 0; i < a->nrec && !pair_of_new[j]; i++)
			if (!old_used[i] && ctl_rec_function(&a->rec[i]) == ctl_rec_function(&b->rec[j]) &&
			    same_identity(&a->rec[i], &b->rec[j])) {
				pair_of_new[j] = (int)i + 1;
				old_used[i] = true;
			}
	/* Pass 2: the same role on the same (named) host: a replacement. */
	for (size_t j = 0; j < b->nrec; j++) {
		if (pair_of_new[j] || !dns(&b->rec[j])[0])
			continue;
		for (size_t i = 0; i < a->nrec && !pair_of_new[j]; i++)
			if (!old_used[i] && ctl_rec_function(&a->rec[i]) == ctl_rec_function(&b->rec[j]) &&
			    !strcasecmp(dns(&a->rec[i]), dns(&b->rec[j]))) {
				pair_of_new[j] = -((int)i + 1);
				old_used[i] = true;
			}
	}
	for (size_t j = 0; j < b->nrec; j++) {
		ctl_change c = {.role = ctl_rec_function(&b->rec[j]), .new_record = (int)j + 1};
		int p = pair_of_new[j];

		if (p > 0) {
			c.old_record = p;
			c.what = what_differs(&a->rec[p - 1], &b->rec[j]);
			if (!c.what) {
				d->unchanged++;
				continue;
			}
			c.kind = CTL_CHANGE_CHANGED;
		} else if (p < 0) {
			c.kind = CTL_CHANGE_REPLACED;
			c.old_record = -p;
		} else {
			c.kind = CTL_CHANGE_ADDED;
		}
		if (!push(d, c)) {
			rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < a->nrec; i++) {
		ctl_change c = {.kind = CTL_CHANGE_REMOVED, .role = ctl_rec_function(&a->rec[i]),
				.old_record = (int)i + 1};

		if (!old_used[i] && !push(d, c)) {
			rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			goto out;
		}
	}
out:
	free(pair_of_new);
	free(old_used);
	if (rc)
		ctl_diff_free(d);
	return rc;
}

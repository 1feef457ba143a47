/* Showing verdicts and changes (render.h). */
#include "render.h"

#include "cli.h"
#include "jsonout.h"
#include "load.h"

#include <stdlib.h>
#include <string.h>

json_object *verdict_json(const ctl_phone_result *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "verdict", json_object_new_string(ctl_phone_verdict_word(r->verdict)));
	json_object_object_add(o, "path", json_object_new_string(ctl_phone_path_word(r->path)));
	json_object_object_add(o, "held", r->held ? json_text(r->held) : NULL);
	json_object_object_add(o, "held_record", r->held_record ? json_object_new_int(r->held_record) : NULL);
	json_object_object_add(o, "held_role",
			       r->held_record && ctl_role_keyword((unsigned)r->held_role)
				       ? json_object_new_string(ctl_role_keyword((unsigned)r->held_role))
				       : NULL);
	json_object_object_add(o, "why", json_text(r->why));
	json_object_object_add(o, "caveat", r->caveat[0] ? json_text(r->caveat) : NULL);
	json_object_object_add(o, "advice", r->advice[0] ? json_text(r->advice) : NULL);
	return o;
}

/* What a record shows of itself: role, host, address, serial, subject,
 * end of validity. */
struct recview {
	char role[24];
	char host[300];
	char ip[16];
	char serial[128];
	char subject[1024];
	char until[32];
};

static void view(const ctl_record *r, struct recview *v)
{
	const ctl_tlv *t;
	int fn = ctl_rec_function(r);
	const char *kw = fn >= 0 ? ctl_role_keyword((unsigned)fn) : NULL;

	memset(v, 0, sizeof(*v));
	if (kw)
		snprintf(v->role, sizeof(v->role), "%s", kw);
	else
		snprintf(v->role, sizeof(v->role), "role %d", fn);
	ctl_text_safe(ctl_tlv_str(ctl_rec_find(r, CTL_R_DNSNAME)), v->host, sizeof(v->host), 0);
	if ((t = ctl_rec_find(r, CTL_R_IPADDRESS)) && t->len == 4 &&
	    (t->val[0] | t->val[1] | t->val[2] | t->val[3]))
		snprintf(v->ip, sizeof(v->ip), "%u.%u.%u.%u", t->val[0], t->val[1], t->val[2], t->val[3]);
	if ((t = ctl_rec_find(r, CTL_R_SERIALNUMBER)))
		ctl_hex_colon(t->val, t->len, v->serial, sizeof(v->serial));
	ctl_text_safe(ctl_tlv_str(ctl_rec_find(r, CTL_R_SUBJECTNAME)), v->subject, sizeof(v->subject), 0);
	if (ctl_rec_cert(r)) {
		ctl_certinfo ci;
		if (!ctl_certinfo_get(ctl_rec_cert(r), &ci, NULL)) {
			ctl_time_iso(ci.not_after, v->until, sizeof(v->until));
			v->until[10] = '\0';   /* the date is enough here */
			ctl_certinfo_free(&ci);
		}
	}
}

void print_held_signers(FILE *out, const char *prefix, const ctl_held *h, bool itl)
{
	ctl_trust *t = NULL;
	ctl_err e;

	if (ctl_held_anchors(h, itl, &t, &e) || !t || !t->n) {
		ctl_trust_free(t);
		return;
	}
	fprintf(out, "%sthe signers phones accept for a new %s (what they hold):\n", prefix,
		itl ? "ITL" : "CTL");
	for (size_t i = 0; i < t->n; i++) {
		const ctl_anchor *a = &t->a[i];
		char subj[1024] = "", hex[128] = "", unusable[CTL_TEXT_ROOM(sizeof(a->unusable))];
		const char *kw = ctl_role_keyword((unsigned)a->role);

		if (a->cert) {
			char *s = ctl_name_string(X509_get_subject_name(a->cert));
			if (s)
				ctl_text_safe(s, subj, sizeof(subj), 0);
			free(s);
		}
		ctl_hex_colon(a->serial, a->serial_len, hex, sizeof(hex));
		fprintf(out, "%s  record %d of %s: %s %s%sserial %s%s%s%s\n", prefix, a->record,
			a->source, kw ? kw : "?", subj, subj[0] ? ", " : "", hex,
			a->unusable[0] ? " (not usable: " : "",
			ctl_text_safe(a->unusable, unusable, sizeof(unusable), 0),
			a->unusable[0] ? ")" : "");
	}
	ctl_trust_free(t);
}

void print_refusal(const ctl_held *h, bool itl, const ctl_phone_result *r)
{
	const char *kind = itl ? "ITL" : "CTL";

	if (r->verdict == CTL_PHONE_VIA_TVS) {
		msg_error("refused: only phones that can ask TVS would take this %s: %s", kind, r->why);
		msg_error("caveat: %s", r->caveat);
	} else {
		msg_error("refused: phones would reject this %s: %s", kind, r->why);
	}
	print_held_signers(stderr, "ctlsign: ", h, itl);
	if (r->advice[0])
		msg_error("what to do: %s", r->advice);
}

static void side(const struct recview *v, char *out, size_t n)
{
	if (v->serial[0])
		snprintf(out, n, "serial %s%s%s%s", v->serial, v->until[0] ? " (until " : "", v->until,
			 v->until[0] ? ")" : "");
	else
		snprintf(out, n, "no certificate (blanked)");
}

static void header_line(FILE *out, const char *indent, const char *what, const ctl_file *a,
			const ctl_file *b, unsigned tag)
{
	char x[256] = "", y[256] = "";
	const ctl_tlv *ta = ctl_hdr_find(a, tag), *tb = ctl_hdr_find(b, tag);
	unsigned u = 0;
	uint32_t ts = 0;

	for (int k = 0; k < 2; k++) {
		const ctl_tlv *t = k ? tb : ta;
		char *o = k ? y : x;

		if (!t) {
			snprintf(o, 256, "absent");
		} else if (tag == CTL_H_TIMESTAMP && ctl_tlv_u32(t, &ts)) {
			ctl_time_iso((time_t)ts, o, 256);
		} else if (tag == CTL_H_DIGESTALGORITHM && ctl_tlv_u8(t, &u)) {
			const char *nm = ctl_digest_code_name(u);
			snprintf(o, 256, "%u (%s)", u, nm ? nm : "unknown");
		} else if (tag == CTL_H_SIGNATUREMODULUS && ctl_tlv_u8(t, &u)) {
			snprintf(o, 256, "%u-bit", u < CTL_MODULUS_COUNT ? ctl_modulus_bytes[u] * 8u : 0u);
		} else if (t->len == 2 && tag != CTL_H_FILENAME) {
			snprintf(o, 256, "%u.%u", t->val[0], t->val[1]);
		} else {
			ctl_text_safe(ctl_tlv_str(t), o, 256, 0);
		}
	}
	fprintf(out, "%s%-9s %s -> %s\n", indent, what, x, y);
}

static void signer_of(const ctl_file *f, char *out, size_t n)
{
	char name[1024], hex[128] = "";
	const ctl_tlv *s = ctl_hdr_find(f, CTL_H_SERIALNUMBER);

	ctl_text_safe(ctl_tlv_str(ctl_hdr_find(f, CTL_H_SIGNERNAME)), name, sizeof(name), 0);
	if (s)
		ctl_hex_colon(s->val, s->len, hex, sizeof(hex));
	snprintf(out, n, "%s (serial %s)", name, hex);
}

static const struct {
	unsigned bit;
	unsigned tag;
	const char *word;
} header_fields[] = {
	{CTL_DIFF_H_VERSION, CTL_H_VERSION, "version"},
	{CTL_DIFF_H_DIGEST, CTL_H_DIGESTALGORITHM, "digest"},
	{CTL_DIFF_H_KEYSIZE, CTL_H_SIGNATUREMODULUS, "key size"},
	{CTL_DIFF_H_SIGNERVERSION, CTL_H_SIGNERVERSION, "signer version"},
	{CTL_DIFF_H_FILENAME, CTL_H_FILENAME, "FILENAME"},
	{CTL_DIFF_H_TIMESTAMP, CTL_H_TIMESTAMP, "timestamp"},
};

static const struct {
	unsigned bit;
	const char *word;
} what_words[] = {
	{CTL_DIFF_DNSNAME, "DNS name"},
	{CTL_DIFF_IPADDRESS, "IP address"},
	{CTL_DIFF_SUBJECTNAME, "SUBJECTNAME string"},
	{CTL_DIFF_ISSUERNAME, "ISSUERNAME string"},
	{CTL_DIFF_OTHER, "other fields"},
};

static void what_list(unsigned what, char *out, size_t n)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t k = 0; k < sizeof(what_words) / sizeof(what_words[0]) && o < n; k++)
		if (what & what_words[k].bit)
			o += (size_t)snprintf(out + o, n - o, "%s%s", o ? ", " : "", what_words[k].word);
}

void print_changes(FILE *out, const char *indent, const ctl_file *old, const ctl_file *new_,
		   const ctl_diff *d)
{
	char a[1400], b[1400];

	for (size_t i = 0; i < d->n; i++) {
		const ctl_change *c = &d->c[i];
		struct recview vo = {0}, vn = {0};
		const struct recview *v;

		if (c->old_record)
			view(&old->rec[c->old_record - 1], &vo);
		if (c->new_record)
			view(&new_->rec[c->new_record - 1], &vn);
		v = c->new_record ? &vn : &vo;
		fprintf(out, "%s%-9s %-9s %s%s%s", indent, ctl_change_word(c->kind), v->role,
			v->host[0] ? v->host : "(no host)", v->ip[0] ? " " : "", v->ip);
		switch (c->kind) {
		case CTL_CHANGE_ADDED:
		case CTL_CHANGE_REMOVED:
			side(v, a, sizeof(a));
			fprintf(out, "  %s%s%s\n", a, v->subject[0] ? ", " : "", v->subject);
			break;
		case CTL_CHANGE_REPLACED:
			side(&vo, a, sizeof(a));
			side(&vn, b, sizeof(b));
			fprintf(out, "  %s -> %s\n", a, b);
			break;
		case CTL_CHANGE_CHANGED:
			what_list(c->what, a, sizeof(a));
			side(&vn, b, sizeof(b));
			fprintf(out, "  %s: %s%s%s%s\n", b, a,
				c->what & CTL_DIFF_DNSNAME ? " (was " : "",
				c->what & CTL_DIFF_DNSNAME ? (vo.host[0] ? vo.host : "empty") : "",
				c->what & CTL_DIFF_DNSNAME ? ")" : "");
			break;
		}
	}
	signer_of(old, a, sizeof(a));
	signer_of(new_, b, sizeof(b));
	if (d->header & CTL_DIFF_H_SIGNER)
		fprintf(out, "%s%-9s %s -> %s\n", indent, "signer", a, b);
	else if (d->header & CTL_DIFF_H_SIGNERNAME)
		fprintf(out, "%s%-9s %s -> %s (same certificate, other name string)\n", indent,
			"signer", a, b);
	else
		fprintf(out, "%s%-9s unchanged: %s\n", indent, "signer", b);
	for (size_t k = 0; k < sizeof(header_fields) / sizeof(header_fields[0]); k++)
		if (d->header & header_fields[k].bit)
			header_line(out, indent, header_fields[k].word, old, new_, header_fields[k].tag);
	if (!d->n)
		fprintf(out, "%srecords   none changed (%zu the same)\n", indent, d->unchanged);
	else if (d->unchanged)
		fprintf(out, "%s%-9s %zu record%s the same\n", indent, "", d->unchanged,
			d->unchanged == 1 ? "" : "s");
}

static json_object *rec_json(const ctl_record *r, int idx)
{
	json_object *o = json_object_new_object();
	struct recview v;

	view(r, &v);
	json_object_object_add(o, "record", json_object_new_int(idx));
	json_object_object_add(o, "role", json_object_new_string(v.role));
	json_object_object_add(o, "host", json_text(ctl_tlv_str(ctl_rec_find(r, CTL_R_DNSNAME))));
	json_object_object_add(o, "ipv4", v.ip[0] ? json_object_new_string(v.ip) : NULL);
	json_object_object_add(o, "serial", v.serial[0] ? json_object_new_string(v.serial) : NULL);
	json_object_object_add(o, "subject", ctl_rec_find(r, CTL_R_SUBJECTNAME)
				   ? json_text(ctl_tlv_str(ctl_rec_find(r, CTL_R_SUBJECTNAME))) : NULL);
	json_object_object_add(o, "not_after", v.until[0] ? json_object_new_string(v.until) : NULL);
	return o;
}

static json_object *header_json(const ctl_file *f)
{
	json_object *o = json_object_new_object();
	const ctl_tlv *t = ctl_hdr_find(f, CTL_H_SERIALNUMBER);
	char hex[128] = "";
	unsigned u = 0;
	uint32_t ts = 0;

	if (t)
		ctl_hex_colon(t->val, t->len, hex, sizeof(hex));
	json_object_object_add(o, "signer_name", json_text(ctl_tlv_str(ctl_hdr_find(f, CTL_H_SIGNERNAME))));
	json_object_object_add(o, "signer_serial", json_object_new_string(hex));
	json_object_object_add(o, "signer_issuer", json_text(ctl_tlv_str(ctl_hdr_find(f, CTL_H_CANAME))));
	ctl_tlv_u8(ctl_hdr_find(f, CTL_H_DIGESTALGORITHM), &u);
	json_object_object_add(o, "digest_code", json_object_new_int((int)u));
	json_object_object_add(o, "filename", json_text(ctl_tlv_str(ctl_hdr_find(f, CTL_H_FILENAME))));
	ctl_tlv_u32(ctl_hdr_find(f, CTL_H_TIMESTAMP), &ts);
	json_object_object_add(o, "timestamp", json_object_new_int64(ts));
	return o;
}

json_object *changes_json(const ctl_file *old, const ctl_file *new_, const ctl_diff *d)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array(), *h;

	for (size_t i = 0; i < d->n; i++) {
		const ctl_change *c = &d->c[i];
		json_object *j = json_object_new_object(), *w = json_object_new_array();

		json_object_object_add(j, "change", json_object_new_string(ctl_change_word(c->kind)));
		json_object_object_add(j, "old", c->old_record ? rec_json(&old->rec[c->old_record - 1],
									  c->old_record) : NULL);
		json_object_object_add(j, "new", c->new_record ? rec_json(&new_->rec[c->new_record - 1],
									  c->new_record) : NULL);
		for (size_t k = 0; k < sizeof(what_words) / sizeof(what_words[0]); k++)
			if (c->what & what_words[k].bit)
				json_object_array_add(w, json_object_new_string(what_words[k].word));
		json_object_object_add(j, "what", w);
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "records", a);
	json_object_object_add(o, "unchanged_records", json_object_new_int64((int64_t)d->unchanged));
	json_object_object_add(o, "signer_changed",
			       json_object_new_boolean((d->header & CTL_DIFF_H_SIGNER) != 0));
	h = json_object_new_array();
	for (size_t k = 0; k < sizeof(header_fields) / sizeof(header_fields[0]); k++)
		if (d->header & header_fields[k].bit)
			json_object_array_add(h, json_object_new_string(header_fields[k].word));
	if (d->header & CTL_DIFF_H_SIGNERNAME)
		json_object_array_add(h, json_object_new_string("signer name string"));
	json_object_object_add(o, "header_changes", h);
	json_object_object_add(o, "old_header", header_json(old));
	json_object_object_add(o, "new_header", header_json(new_));
	return o;
}

#include "load.h"

#include "cli.h"

#include "fetch.h"
#include "io.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ctl_status load_file(const char *path, loaded *L)
{
	return load_file_ex(path, 0, L);
}

ctl_status load_file_ex(const char *path, unsigned parse_flags, loaded *L)
{
	memset(L, 0, sizeof(*L));
	L->path = path;
	ctl_err_clear(&L->err);
	if (ctl_read_input(path, CTL_FILE_MAX, &L->buf, &L->len, &L->err))
		return L->err.status;
	if (strcmp(path, "-") != 0 && stat(path, &L->st) == 0)
		L->have_st = true;
	/* L->buf lives as long as L->f: no copy of the file. */
	return ctl_parse_ex(L->buf, L->len, parse_flags | CTL_PARSE_BORROW, &L->f, &L->err);
}

void load_free(loaded *L)
{
	ctl_free(L->f);
	free(L->buf);
	L->f = NULL;
	L->buf = NULL;
}

const char *load_kind(const loaded *L)
{
	const char *base;

	if (L->f)
		return ctl_kind(L->f);
	base = strrchr(L->path, '/');
	base = base ? base + 1 : L->path;
	return strncasecmp(base, "ITL", 3) == 0 ? "ITL" : "CTL";
}

json_object *json_hex(const uint8_t *p, size_t n)
{
	char *s = malloc(n * 2 + 1);
	json_object *o;

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * n] = '\0';
	o = json_object_new_string(s);
	free(s);
	return o;
}

void iso_utc(time_t t, char *out, size_t n)
{
	struct tm tm;

	if (t == (time_t)-1 || !gmtime_r(&t, &tm)) {
		snprintf(out, n, "%s", "");
		return;
	}
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void json_print(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
}


json_object *json_text(const char *s)
{
	char *t = text_dup(s, true);
	json_object *o = json_object_new_string(t ? t : "");

	free(t);
	return o;
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_text(v));
}

static void add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_time(json_object *o, const char *k, time_t t)
{
	char buf[32];

	iso_utc(t, buf, sizeof(buf));
	json_object_object_add(o, k, buf[0] ? json_object_new_string(buf) : NULL);
}

static json_object *tlv_list(const ctl_tlv *t, size_t n, bool header)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *e;
		const char *name;

		if (t[i].kind == CTL_TLV_PAD)
			continue;
		e = json_object_new_object();
		name = header ? ctl_header_tag_name(t[i].tag) : ctl_record_tag_name(t[i].tag);
		add_int(e, "offset", (int64_t)t[i].off);
		add_int(e, "tag", t[i].tag);
		json_object_object_add(e, "name", name ? json_object_new_string(name) : NULL);
		add_int(e, "length", t[i].len);
		if (!name && t[i].kind == CTL_TLV_PLAIN)
			json_object_object_add(e, "value_hex", json_hex(t[i].val, t[i].len));
		json_object_array_add(a, e);
	}
	return a;
}

static json_object *cert_json(X509 *x, time_t now)
{
	ctl_certinfo ci;
	json_object *o;
	char sha1[64];

	if (ctl_certinfo_get(x, &ci, NULL))
		return NULL;
	o = json_object_new_object();
	add_str(o, "subject", ci.subject);
	add_str(o, "issuer", ci.issuer);
	add_str(o, "serial", ci.serial_hex);
	add_str(o, "key_type", ci.key_type);
	add_int(o, "key_bits", ci.key_bits);
	if (ci.curve[0])
		add_str(o, "curve", ci.curve);
	ctl_hex_colon(ci.sha1, sizeof(ci.sha1), sha1, sizeof(sha1));
	add_str(o, "sha1", sha1);
	add_time(o, "not_before", ci.not_before);
	add_time(o, "not_after", ci.not_after);
	json_object_object_add(o, "expired",
			       json_object_new_boolean(ci.not_after != (time_t)-1 && ci.not_after < now));
	ctl_certinfo_free(&ci);
	return o;
}

static json_object *record_json(const ctl_record *r, int idx, const ctl_verify_result *v,
				time_t now)
{
	json_object *o = json_object_new_object();
	const ctl_tlv *t;
	int fn = ctl_rec_function(r);
	char buf[256];

	add_int(o, "index", idx);
	add_int(o, "offset", (int64_t)r->off);
	add_int(o, "length", r->len);
	json_object *jf = json_object_new_object();
	add_int(jf, "code", fn);
	json_object_object_add(jf, "name", ctl_role_keyword((unsigned)fn)
				   ? json_object_new_string(ctl_role_keyword((unsigned)fn)) : NULL);
	json_object_object_add(o, "function", jf);
	t = ctl_rec_find(r, CTL_R_DNSNAME);
	json_object_object_add(o, "dns_name", t ? json_text(ctl_tlv_str(t)) : NULL);
	t = ctl_rec_find(r, CTL_R_SUBJECTNAME);
	json_object_object_add(o, "subject", t ? json_text(ctl_tlv_str(t)) : NULL);
	t = ctl_rec_find(r, CTL_R_ISSUERNAME);
	json_object_object_add(o, "issuer", t ? json_text(ctl_tlv_str(t)) : NULL);
	t = ctl_rec_find(r, CTL_R_SERIALNUMBER);
	if (t)
		ctl_hex_colon(t->val, t->len, buf, sizeof(buf));
	json_object_object_add(o, "serial", t ? json_object_new_string(buf) : NULL);
	t = ctl_rec_find(r, CTL_R_IPADDRESS);
	if (t)
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u", t->val[0], t->val[1], t->val[2], t->val[3]);
	json_object_object_add(o, "ipv4", t ? json_object_new_string(buf) : NULL);
	json_object_object_add(o, "certificate", ctl_rec_cert(r) ? cert_json(ctl_rec_cert(r), now) : NULL);
	json_object_object_add(o, "signed_this_file",
			       fn == CTL_ROLE_SAST
				       ? json_object_new_boolean(v && v->valid && v->signer_record == idx)
				       : NULL);
	json_object_object_add(o, "tlvs", tlv_list(r->tlv, r->ntlv, false));
	return o;
}

#define JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)
/* Where describe_json leaves the records for describe_print. A raw newline
 * is never inside a JSON string: "\n  \"records\": " is that top-level key. */
#define RECORDS_MARK "(records)"
#define RECORDS_KEY "\n  \"records\": \"" RECORDS_MARK "\""

/* s with every newline followed by indent: a value printed alone, put at a
 * deeper level of the document. */
static void put_indented(const char *s, const char *indent)
{
	const char *nl;

	while ((nl = strchr(s, '\n'))) {
		fwrite(s, 1, (size_t)(nl - s) + 1, stdout);
		fputs(indent, stdout);
		s = nl + 1;
	}
	fputs(s, stdout);
}

ctl_status describe_print(json_object *root, loaded *L, const ctl_verify_result *v, time_t now,
			  ctl_err *err)
{
	const char *s = json_object_to_json_string_ext(root, JSON_FLAGS);
	const char *at = strstr(s, RECORDS_KEY);
	ctl_status st = CTL_OK;

	ctl_err_clear(err);
	if (!at) {
		puts(s);
		return CTL_OK;
	}
	/* json-c's layout of an array of objects, two levels down. */
	fwrite(s, 1, (size_t)(at - s) + strlen("\n  \"records\": "), stdout);
	fputs(L->f->nrec ? "[" : "[\n  ]", stdout);
	for (size_t i = 0; i < L->f->nrec; i++) {
		ctl_record *r = &L->f->rec[i];
		json_object *o;
		X509 *x;

		if (ctl_rec_cert_get(r, &x, st ? NULL : err))
			st = err->status;
		o = record_json(r, (int)i + 1, v, now);
		fputs(i ? ",\n    " : "\n    ", stdout);
		put_indented(json_object_to_json_string_ext(o, JSON_FLAGS), "    ");
		json_object_put(o);
		if (!v || r->cert_cache != v->signer_cert)
			ctl_rec_cert_release(r);
	}
	if (L->f->nrec)
		fputs("\n  ]", stdout);
	puts(at + strlen(RECORDS_KEY));
	return st;
}

json_object *describe_json(const loaded *L, const ctl_verify_result *v, ctl_status vst)
{
	json_object *root = json_object_new_object(), *h;
	const ctl_file *f = L->f;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen;
	unsigned u;
	uint32_t ts;
	const ctl_tlv *t;
	char buf[512];

	add_str(root, "file", L->path);
	add_str(root, "kind", load_kind(L));
	add_int(root, "length", (int64_t)L->len);
	EVP_Digest(L->buf, L->len, md, &mdlen, EVP_md5(), NULL);
	json_object_object_add(root, "md5", json_hex(md, mdlen));
	EVP_Digest(L->buf, L->len, md, &mdlen, EVP_sha1(), NULL);
	json_object_object_add(root, "sha1", json_hex(md, mdlen));
	EVP_Digest(L->buf, L->len, md, &mdlen, EVP_sha256(), NULL);
	json_object_object_add(root, "sha256", json_hex(md, mdlen));
	if (L->have_st)
		add_time(root, "modified", L->st.st_mtime);

	h = json_object_new_object();
	t = ctl_hdr_find(f, CTL_H_VERSION);
	snprintf(buf, sizeof(buf), "%u.%u", t->val[0], t->val[1]);
	add_str(h, "version", buf);
	add_int(h, "header_length", f->header_length);
	t = ctl_hdr_find(f, CTL_H_SIGNERVERSION);
	if (t)
		snprintf(buf, sizeof(buf), "%u.%u", t->val[0], t->val[1]);
	json_object_object_add(h, "signer_version", t ? json_object_new_string(buf) : NULL);
	add_str(h, "signer_name", ctl_tlv_str(ctl_hdr_find(f, CTL_H_SIGNERNAME)));
	t = ctl_hdr_find(f, CTL_H_SERIALNUMBER);
	ctl_hex_colon(t->val, t->len, buf, sizeof(buf));
	add_str(h, "signer_serial", buf);
	add_str(h, "signer_issuer", ctl_tlv_str(ctl_hdr_find(f, CTL_H_CANAME)));
	ctl_tlv_u8(ctl_hdr_find(f, CTL_H_DIGESTALGORITHM), &u);
	add_int(h, "digest_code", u);
	ctl_tlv_u8(ctl_hdr_find(f, CTL_H_SIGNATUREALGORITHM), &u);
	add_int(h, "signature_algorithm", u);
	ctl_tlv_u8(ctl_hdr_find(f, CTL_H_SIGNATUREMODULUS), &u);
	add_int(h, "signature_modulus", u);
	add_int(h, "key_bits", ctl_modulus_bytes[u] * 8);
	t = ctl_hdr_find(f, CTL_H_SIGNATURE);
	json_object_object_add(h, "signature", json_hex(t->val, t->len));
	add_str(h, "filename", ctl_tlv_str(ctl_hdr_find(f, CTL_H_FILENAME)));
	ctl_tlv_u32(ctl_hdr_find(f, CTL_H_TIMESTAMP), &ts);
	add_int(h, "timestamp", ts);
	add_time(h, "timestamp_utc", (time_t)ts);
	json_object_object_add(h, "tlvs", tlv_list(f->hdr, f->nhdr, true));
	json_object_object_add(root, "header", h);

	/* The records are printed by describe_print, one at a time. */
	json_object_object_add(root, "records", json_object_new_string(RECORDS_MARK));

	if (v) {
		json_object *jv = json_object_new_object();
		json_object_object_add(jv, "valid", json_object_new_boolean(vst == CTL_OK));
		json_object_object_add(jv, "signer_found", json_object_new_boolean(v->signer_found));
		json_object_object_add(jv, "signer_record",
				       v->signer_record ? json_object_new_int(v->signer_record) : NULL);
		json_object_object_add(jv, "digest",
				       v->digest_nid ? json_object_new_string(ctl_digest_nid_name(v->digest_nid)) : NULL);
		json_object_object_add(jv, "old_digest_numbering",
				       json_object_new_boolean(v->old_numbering));
		if (vst == CTL_OK) {
			json_object_object_add(jv, "signer_expired",
					       json_object_new_boolean(v->signer_expired));
			json_object_object_add(jv, "signer_expired_at_signing",
					       json_object_new_boolean(v->signer_expired_at_signing));
		}
		json_object_object_add(jv, "reason", v->reason[0] ? json_text(v->reason) : NULL);
		json_object_object_add(jv, "note", v->note[0] ? json_text(v->note) : NULL);
		json_object_object_add(jv, "warning", v->warning[0] ? json_text(v->warning) : NULL);
		json_object_object_add(root, "verification", jv);
	}
	/* verify --trust fills it in. */
	json_object_object_add(root, "phones", NULL);
	return root;
}

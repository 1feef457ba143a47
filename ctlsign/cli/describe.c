/* The JSON document of a trust list (describe.h). */
#include "describe.h"

#include "jsonout.h"
#include "util.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

static void put_time(json_out *j, const char *k, time_t t)
{
	char buf[32];

	jo_string(j, k, ctl_time_iso(t, buf, sizeof(buf))[0] ? buf : NULL);
}

static void put_hex(json_out *j, const char *k, const uint8_t *p, size_t n)
{
	char stack[256], *s = n * 2 < sizeof(stack) ? stack : malloc(n * 2 + 1);

	if (!s) {
		jo_null(j, k);   /* out of memory */
		return;
	}
	jo_string(j, k, ctl_hex_encode(p, n, 0, false, s, n * 2 + 1));
	if (s != stack)
		free(s);
}

static void put_digest(json_out *j, const char *k, const loaded *L, const EVP_MD *md)
{
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	EVP_Digest(L->buf, L->len, d, &n, md, NULL);
	put_hex(j, k, d, n);
}

static void tlv_list(json_out *j, const ctl_tlv *t, size_t n, bool header)
{
	jo_array(j, "tlvs");
	for (size_t i = 0; i < n; i++) {
		const char *name;

		if (t[i].kind == CTL_TLV_PAD)
			continue;
		name = header ? ctl_header_tag_name(t[i].tag) : ctl_record_tag_name(t[i].tag);
		jo_object(j, NULL);
		jo_int(j, "offset", (int64_t)t[i].off);
		jo_int(j, "tag", t[i].tag);
		jo_string(j, "name", name);
		jo_int(j, "length", t[i].len);
		if (!name && t[i].kind == CTL_TLV_PLAIN)
			put_hex(j, "value_hex", t[i].val, t[i].len);
		jo_end(j);
	}
	jo_end(j);
}

static void cert_json(json_out *j, X509 *x, time_t now)
{
	ctl_certinfo ci;
	char sha1[64];

	if (ctl_certinfo_get(x, &ci, NULL)) {
		jo_null(j, "certificate");
		return;
	}
	jo_object(j, "certificate");
	jo_string(j, "subject", ci.subject);
	jo_string(j, "issuer", ci.issuer);
	jo_string(j, "serial", ci.serial_hex);
	jo_string(j, "key_type", ci.key_type);
	jo_int(j, "key_bits", ci.key_bits);
	if (ci.curve[0])
		jo_string(j, "curve", ci.curve);
	ctl_hex_colon(ci.sha1, sizeof(ci.sha1), sha1, sizeof(sha1));
	jo_string(j, "sha1", sha1);
	put_time(j, "not_before", ci.not_before);
	put_time(j, "not_after", ci.not_after);
	jo_bool(j, "expired", ci.not_after != (time_t)-1 && ci.not_after < now);
	jo_end(j);
	ctl_certinfo_free(&ci);
}

static void record_json(json_out *j, const ctl_record *r, int idx, const ctl_verify_result *v,
			time_t now)
{
	const ctl_tlv *t;
	int fn = ctl_rec_function(r);
	char buf[256];

	jo_object(j, NULL);
	jo_int(j, "index", idx);
	jo_int(j, "offset", (int64_t)r->off);
	jo_int(j, "length", r->len);
	jo_object(j, "function");
	jo_int(j, "code", fn);
	jo_string(j, "name", ctl_role_keyword((unsigned)fn));
	jo_end(j);
	t = ctl_rec_find(r, CTL_R_DNSNAME);
	jo_string(j, "dns_name", t ? ctl_tlv_str(t) : NULL);
	t = ctl_rec_find(r, CTL_R_SUBJECTNAME);
	jo_string(j, "subject", t ? ctl_tlv_str(t) : NULL);
	t = ctl_rec_find(r, CTL_R_ISSUERNAME);
	jo_string(j, "issuer", t ? ctl_tlv_str(t) : NULL);
	t = ctl_rec_find(r, CTL_R_SERIALNUMBER);
	if (t)
		ctl_hex_colon(t->val, t->len, buf, sizeof(buf));
	jo_string(j, "serial", t ? buf : NULL);
	t = ctl_rec_find(r, CTL_R_IPADDRESS);
	if (t)
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u", t->val[0], t->val[1], t->val[2], t->val[3]);
	jo_string(j, "ipv4", t ? buf : NULL);
	if (ctl_rec_cert(r))
		cert_json(j, ctl_rec_cert(r), now);
	else
		jo_null(j, "certificate");
	if (fn == CTL_ROLE_SAST)
		jo_bool(j, "signed_this_file", v && v->valid && v->signer_record == idx);
	else
		jo_null(j, "signed_this_file");
	tlv_list(j, r->tlv, r->ntlv, false);
	jo_end(j);
}

static void header_json(json_out *j, const ctl_file *f)
{
	const ctl_tlv *t;
	unsigned u;
	uint32_t ts;
	char buf[512];

	jo_object(j, "header");
	t = ctl_hdr_find(f, CTL_H_VERSION);
	snprintf(buf, sizeof(buf), "%u.%u", t->val[0], t->val[1]);
	jo_string(j, "version", buf);
	jo_int(j, "header_length", f->header_length);
	t = ctl_hdr_find(f, CTL_H_SIGNERVERSION);
	if (t)
		snprintf(buf, sizeof(buf), "%u.%u", t->val[0], t->val[1]);
	jo_string(j, "signer_version", t ? buf : NULL);
	jo_string(j, "signer_name", ctl_tlv_str(ctl_hdr_find(f, CTL_H_SIGNERNAME)));
	t = ctl_hdr_find(f, CTL_H_SERIALNUMBER);
	ctl_hex_colon(t->val, t->len, buf, sizeof(buf));
	jo_string(j, "signer_serial", buf);
	jo_string(j, "signer_issuer", ctl_tlv_str(ctl_hdr_find(f, CTL_H_CANAME)));
	ctl_tlv_u8(ctl_hdr_find(f, CTL_H_DIGESTALGORITHM), &u);
	jo_int(j, "digest_code", u);
	ctl_tlv_u8(ctl_hdr_find(f, CTL_H_SIGNATUREALGORITHM), &u);
	jo_int(j, "signature_algorithm", u);
	ctl_tlv_u8(ctl_hdr_find(f, CTL_H_SIGNATUREMODULUS), &u);
	jo_int(j, "signature_modulus", u);
	jo_int(j, "key_bits", ctl_modulus_bytes[u] * 8);
	t = ctl_hdr_find(f, CTL_H_SIGNATURE);
	put_hex(j, "signature", t->val, t->len);
	jo_string(j, "filename", ctl_tlv_str(ctl_hdr_find(f, CTL_H_FILENAME)));
	ctl_tlv_u32(ctl_hdr_find(f, CTL_H_TIMESTAMP), &ts);
	jo_int(j, "timestamp", ts);
	put_time(j, "timestamp_utc", (time_t)ts);
	tlv_list(j, f->hdr, f->nhdr, true);
	jo_end(j);
}

static void verification_json(json_out *j, const ctl_verify_result *v, ctl_status vst)
{
	jo_object(j, "verification");
	jo_bool(j, "valid", vst == CTL_OK);
	jo_bool(j, "signer_found", v->signer_found);
	if (v->signer_record)
		jo_int(j, "signer_record", v->signer_record);
	else
		jo_null(j, "signer_record");
	jo_string(j, "digest", v->digest_nid ? ctl_digest_nid_name(v->digest_nid) : NULL);
	jo_bool(j, "old_digest_numbering", v->old_numbering);
	if (vst == CTL_OK) {
		jo_bool(j, "signer_expired", v->signer_expired);
		jo_bool(j, "signer_expired_at_signing", v->signer_expired_at_signing);
	}
	jo_string(j, "reason", v->reason[0] ? v->reason : NULL);
	jo_string(j, "note", v->note[0] ? v->note : NULL);
	jo_string(j, "warning", v->warning[0] ? v->warning : NULL);
	jo_end(j);
}

ctl_status describe_print(FILE *out, loaded *L, const ctl_verify_result *v, ctl_status vst,
			  time_t now, json_object *phones, ctl_err *err)
{
	ctl_status st = CTL_OK;

	ctl_file *f = L->f;
	json_out j;

	jo_start(&j, out);
	jo_object(&j, NULL);
	jo_string(&j, "file", L->path);
	jo_string(&j, "kind", load_kind(L));
	jo_int(&j, "length", (int64_t)L->len);
	put_digest(&j, "md5", L, EVP_md5());
	put_digest(&j, "sha1", L, EVP_sha1());
	put_digest(&j, "sha256", L, EVP_sha256());
	if (L->have_st)
		put_time(&j, "modified", L->st.st_mtime);
	header_json(&j, f);
	jo_array(&j, "records");
	ctl_err_clear(err);
	for (size_t i = 0; i < f->nrec; i++) {
		ctl_record *r = &f->rec[i];
		X509 *x;

		if (ctl_rec_cert_get(r, &x, st ? NULL : err))
			st = err->status;
		record_json(&j, r, (int)i + 1, v, now);
		if (!v || r->cert_cache != v->signer_cert)
			ctl_rec_cert_release(r);
	}
	jo_end(&j);
	if (v)
		verification_json(&j, v, vst);
	jo_tree(&j, "phones", phones);
	jo_finish(&j);
	return st;
}

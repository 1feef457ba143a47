/* The trust-list codec: every fixture parses and serializes back to the same
 * bytes; every refusal is CTL_E_MALFORMED with an offset, a tag and a reason;
 * the decoded certificate facts match what OpenSSL (or the fixture writer)
 * says independently. */
#include "ctl.h"
#include "identity.h"
#include "fixtures.h"
#include "verify.h"

#include <criterion/criterion.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <stdlib.h>
#include <string.h>

/* ---- helpers -------------------------------------------------------------- */

static ctl_file *parse_ok(const uint8_t *p, size_t n, const char *what)
{
	ctl_file *f = NULL;
	ctl_err e;
	ctl_status st = ctl_parse(p, n, &f, &e);

	cr_assert_eq(st, CTL_OK, "%s: parse failed: %s (offset %ld, tag %d, record %d)", what,
		     e.msg, e.offset, e.tag, e.record);
	cr_assert_not_null(f);
	cr_assert_eq(f->size, n);
	return f;
}

static void assert_roundtrip(const uint8_t *p, size_t n, const ctl_file *f, const char *what)
{
	uint8_t *out = NULL;
	size_t outlen = 0;
	ctl_err e;

	cr_assert_eq(ctl_serialize(f, &out, &outlen, &e), CTL_OK, "%s: serialize: %s", what, e.msg);
	cr_assert_eq(outlen, n, "%s: serialized %zu bytes, file has %zu", what, outlen, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(out[i], p[i], "%s: serialized byte %zu is %02x, file has %02x", what, i,
			     out[i], p[i]);
	free(out);
}

/* Parse must refuse with CTL_E_MALFORMED, an offset in the file, a non-empty
 * message; optionally a given offset (>= 0), tag (>= 0), record (>= -1 means
 * check; -2 don't care) and message substring. */
static void expect_malformed(const uint8_t *p, size_t n, long off, int tag, int record,
			     const char *substr, const char *what)
{
	ctl_file *f = (ctl_file *)1;
	ctl_err e;
	ctl_status st = ctl_parse(p, n, &f, &e);

	cr_assert_eq(st, CTL_E_MALFORMED, "%s: expected CTL_E_MALFORMED, got %d (%s)", what, st,
		     e.msg);
	cr_assert_null(f, "%s: *out must be NULL on failure", what);
	cr_assert_eq(e.status, CTL_E_MALFORMED);
	cr_assert_geq(e.offset, 0, "%s: no offset (msg: %s)", what, e.msg);
	cr_assert_leq(e.offset, (long)n, "%s: offset %ld beyond %zu bytes", what, e.offset, n);
	cr_assert(e.msg[0], "%s: empty message", what);
	if (off >= 0)
		cr_assert_eq(e.offset, off, "%s: offset %ld, expected %ld (msg: %s)", what, e.offset,
			     off, e.msg);
	if (tag >= 0)
		cr_assert_eq(e.tag, tag, "%s: tag %d, expected %d (msg: %s)", what, e.tag, tag, e.msg);
	if (record >= -1)
		cr_assert_eq(e.record, record, "%s: record %d, expected %d (msg: %s)", what,
			     e.record, record, e.msg);
	if (substr)
		cr_assert(strstr(e.msg, substr), "%s: message `%s' lacks `%s'", what, e.msg, substr);
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	cr_assert(q);
	memcpy(q, p, n);
	return q;
}

static void set16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A small valid file: standard header + one blanked SAST-less record. */
static void small_file(fx_buf *b, bool python)
{
	fx_header(b, python);
	fx_rec_blank(b, CTL_ROLE_CCM_TFTP);
}

/* ---- every fixture -------------------------------------------------------- */

/* No .timeout: Criterion 2.4.1 leaks 48 bytes in its runner (LeakSanitizer
 * fails the run) when suites with different timeouts run in parallel. */
TestSuite(codec);

Test(codec, every_fixture_parses_and_serializes_identically)
{
	const char *const *lists[] = {fx_valid, fx_bad};
	int count = 0;

	for (size_t l = 0; l < 2; l++)
		for (const char *const *n = lists[l]; *n; n++) {
			size_t len;
			uint8_t *p = fx_read(*n, &len);
			ctl_file *f = parse_ok(p, len, *n);

			cr_assert_gt(f->nrec, 0, "%s: no records", *n);
			cr_assert_gt(f->nhdr, 0);
			cr_assert_eq(f->header_length, fx_be16(p + 8), "%s", *n);
			/* Record offsets agree with an independent walk. */
			for (size_t i = 0; i < f->nrec; i++) {
				cr_assert_eq((long)f->rec[i].off, fx_rec_off(p, len, i), "%s rec %zu", *n, i);
				cr_assert_eq(f->rec[i].len, fx_be16(p + f->rec[i].off + 3));
				cr_assert_eq(f->rec[i].tlv[0].tag, CTL_R_RECORDLENGTH);
			}
			cr_assert_eq(fx_rec_off(p, len, f->nrec), -1, "%s: more records than parsed", *n);
			assert_roundtrip(p, len, f, *n);
			ctl_free(f);
			free(p);
			count++;
		}
	cr_assert_eq(count, 17);
}

Test(codec, parse_serialize_parse_is_stable)
{
	for (const char *const *n = fx_valid; *n; n++) {
		size_t len, len2;
		uint8_t *p = fx_read(*n, &len), *out;
		ctl_file *f = parse_ok(p, len, *n), *g;
		ctl_err e;

		cr_assert_eq(ctl_serialize(f, &out, &len2, &e), CTL_OK);
		g = parse_ok(out, len2, *n);
		cr_assert_eq(g->nhdr, f->nhdr);
		cr_assert_eq(g->nrec, f->nrec);
		cr_assert_eq(g->header_length, f->header_length);
		for (size_t i = 0; i < f->nhdr; i++) {
			cr_assert_eq(g->hdr[i].tag, f->hdr[i].tag);
			cr_assert_eq(g->hdr[i].kind, f->hdr[i].kind);
			cr_assert_eq(g->hdr[i].len, f->hdr[i].len);
			cr_assert_eq(g->hdr[i].off, f->hdr[i].off);
			cr_assert_eq(g->hdr[i].depth, f->hdr[i].depth);
		}
		for (size_t i = 0; i < f->nrec; i++) {
			cr_assert_eq(g->rec[i].ntlv, f->rec[i].ntlv);
			cr_assert_eq(g->rec[i].len, f->rec[i].len);
			cr_assert_eq(!!ctl_rec_cert(&g->rec[i]), !!ctl_rec_cert(&f->rec[i]));
			if (ctl_rec_cert(&f->rec[i]))
				cr_assert_eq(X509_cmp(ctl_rec_cert(&g->rec[i]), ctl_rec_cert(&f->rec[i])), 0);
			for (size_t j = 0; j < f->rec[i].ntlv; j++) {
				cr_assert_eq(g->rec[i].tlv[j].tag, f->rec[i].tlv[j].tag);
				cr_assert_eq(g->rec[i].tlv[j].len, f->rec[i].tlv[j].len);
				if (f->rec[i].tlv[j].len)
					cr_assert_eq(memcmp(g->rec[i].tlv[j].val, f->rec[i].tlv[j].val,
							    f->rec[i].tlv[j].len), 0);
			}
		}
		assert_roundtrip(p, len, g, *n);
		ctl_free(g);
		ctl_free(f);
		free(out);
		free(p);
	}
}

Test(codec, header_fields_of_cucm_fixture)
{
	size_t len;
	uint8_t *p = fx_read("ctl-cucm-sha1.tlv", &len);
	ctl_file *f = parse_ok(p, len, "ctl-cucm-sha1");
	unsigned u;
	uint32_t ts;
	/* CUCM order: 1, 2, 3{4,5,6}, 7{8, 9{10,11}}, 12, 14, 15, 13... */
	static const unsigned order[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15};

	cr_assert_geq(f->nhdr, 14);
	for (size_t i = 0; i < 14; i++)
		cr_assert_eq(f->hdr[i].tag, order[i], "header TLV %zu is tag %u", i, f->hdr[i].tag);
	for (size_t i = 14; i < f->nhdr; i++)
		cr_assert_eq(f->hdr[i].kind, CTL_TLV_PAD);
	cr_assert_eq(f->hdr[2].kind, CTL_TLV_CONTAINER);
	cr_assert_eq(f->hdr[6].kind, CTL_TLV_CONTAINER);
	cr_assert_eq(f->hdr[8].kind, CTL_TLV_CONTAINER);
	cr_assert_eq(f->hdr[8].depth, 1);
	cr_assert_eq(f->hdr[9].depth, 2);
	cr_assert_eq(f->hdr[6].len, CTL_SIGNATUREINFO_LEN);
	cr_assert_eq(f->hdr[8].len, CTL_SIGNATUREALGOINFO_LEN);
	cr_assert(ctl_tlv_u8(ctl_hdr_find(f, CTL_H_DIGESTALGORITHM), &u));
	cr_assert_eq(u, CTL_DIGEST_SHA1);
	cr_assert(ctl_tlv_u8(ctl_hdr_find(f, CTL_H_SIGNATUREMODULUS), &u));
	cr_assert_eq(u, 1);
	cr_assert_eq(ctl_hdr_find(f, CTL_H_SIGNATURE)->len, 128);
	cr_assert(ctl_tlv_u32(ctl_hdr_find(f, CTL_H_TIMESTAMP), &ts));
	cr_assert_eq(ts, 1430968247u);
	cr_assert_str_eq(ctl_tlv_str(ctl_hdr_find(f, CTL_H_FILENAME)), "CTLFile.tlv");
	cr_assert_str_eq(ctl_tlv_str(ctl_hdr_find(f, CTL_H_SIGNERNAME)),
			 "CN=ccm1.example.com;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US");
	cr_assert_null(ctl_hdr_find(f, CTL_H_SIGNERVERSION));
	cr_assert_eq(f->header_length % 4, 0);
	cr_assert_eq(f->nrec, 5);
	cr_assert_eq(ctl_rec_function(&f->rec[0]), CTL_ROLE_SAST);
	cr_assert_eq(ctl_rec_function(&f->rec[3]), CTL_ROLE_CAPF);
	cr_assert_str_eq(ctl_tlv_str(ctl_rec_find(&f->rec[0], CTL_R_DNSNAME)), "ccm1");
	{
		const ctl_tlv *ip = ctl_rec_find(&f->rec[0], CTL_R_IPADDRESS);
		cr_assert(ip && ip->len == 4 && ip->val[0] == 10 && ip->val[3] == 106);
	}
	ctl_free(f);
	free(p);
}

/* ---- truncation ----------------------------------------------------------- */

/* Cutting a file anywhere gives CTL_E_MALFORMED with an offset, except
 * exactly at a record boundary: that is a well-formed, shorter list (it
 * parses, and its signature no longer verifies). */
static void truncate_everywhere(const char *name)
{
	size_t len;
	uint8_t *p = fx_read(name, &len);
	ctl_file *full = parse_ok(p, len, name);
	int boundaries = 0;

	for (size_t cut = 0; cut < len; cut++) {
		bool boundary = cut == full->header_length;
		ctl_file *f = NULL;
		ctl_err e;
		ctl_status st;
		uint8_t *q = dup_bytes(p, cut); /* exact-size buffer: ASan sees overreads */

		for (size_t i = 0; i < full->nrec; i++)
			boundary |= cut == full->rec[i].off;
		st = ctl_parse(q, cut, &f, &e);
		if (boundary) {
			ctl_verify_result vr;
			ctl_err ve;

			cr_assert_eq(st, CTL_OK, "%s cut at %zu (record boundary): %s", name, cut, e.msg);
			cr_assert_eq(ctl_verify(q, cut, f, NULL, 1430968247, &vr, &ve), CTL_E_VERIFY,
				     "%s cut at record boundary %zu still verifies", name, cut);
			ctl_free(f);
			boundaries++;
		} else {
			cr_assert_eq(st, CTL_E_MALFORMED, "%s cut at %zu: status %d", name, cut, st);
			cr_assert_null(f);
			cr_assert_geq(e.offset, 0, "%s cut at %zu: no offset (%s)", name, cut, e.msg);
			cr_assert_leq(e.offset, (long)cut, "%s cut at %zu: offset %ld", name, cut,
				      e.offset);
			cr_assert(e.msg[0], "%s cut at %zu: empty message", name, cut);
		}
		free(q);
	}
	cr_assert_eq(boundaries, (int)full->nrec, "%s", name);
	ctl_free(full);
	free(p);
}

Test(codec, truncation_at_every_byte_blanked)
{
	truncate_everywhere("ctl-blanked.tlv");
}

Test(codec, truncation_at_every_byte_python_order)
{
	truncate_everywhere("ctl-old-sha384.tlv");
}

Test(codec, truncation_at_every_byte_unknown_tags)
{
	truncate_everywhere("ctl-unknown-tags.tlv");
}

Test(codec, truncation_at_every_byte_itl)
{
	truncate_everywhere("itl.tlv");
}

/* ---- lengths that lie ----------------------------------------------------- */

Test(codec, header_tlv_length_overruns)
{
	size_t len;
	uint8_t *p = fx_read("ctl-blanked.tlv", &len), *q;
	long fn = fx_hdr_off(p, len, CTL_H_FILENAME);

	cr_assert_gt(fn, 0);
	q = dup_bytes(p, len);
	set16(q + fn + 1, 0xffff);
	expect_malformed(q, len, fn, CTL_H_FILENAME, 0, "runs past end of header", "FILENAME 0xffff");
	set16(q + fn + 1, 13); /* one byte too long: eats TIMESTAMP's tag */
	expect_malformed(q, len, -1, -1, 0, NULL, "FILENAME +1");
	free(q);
	/* A header TLV running past the end of the file before HEADERLENGTH is known. */
	{
		static const uint8_t v[] = {1, 0, 0xff, 1, 2};
		expect_malformed(v, sizeof(v), 0, CTL_H_VERSION, 0, "runs past end of file",
				 "VERSION 0xffff");
	}
	free(p);
}

Test(codec, record_tlv_length_overruns)
{
	size_t len;
	uint8_t *p = fx_read("ctl-blanked.tlv", &len), *q = dup_bytes(p, len);
	long c = fx_rec_tlv_off(p, len, 0, CTL_R_CERTIFICATE);
	long d = fx_rec_tlv_off(p, len, 2, CTL_R_IPADDRESS);

	cr_assert_gt(c, 0);
	set16(q + c + 1, 0xffff);
	expect_malformed(q, len, c, CTL_R_CERTIFICATE, 1, "runs past the end of the record",
			 "CERTIFICATE 0xffff");
	memcpy(q, p, len);
	set16(q + c + 1, fx_be16(p + c + 1) + 1);
	expect_malformed(q, len, c, CTL_R_CERTIFICATE, 1, NULL, "CERTIFICATE +1");
	/* Last TLV of the last record, one past the end of file. */
	memcpy(q, p, len);
	cr_assert_gt(d, 0);
	set16(q + d + 1, 5);
	expect_malformed(q, len, d, CTL_R_IPADDRESS, 3, NULL, "IPADDRESS past EOF");
	free(q);
	free(p);
}

Test(codec, recordlength_past_eof_and_too_small)
{
	size_t len;
	uint8_t *p = fx_read("ctl-blanked.tlv", &len), *q = dup_bytes(p, len);
	long last = fx_rec_off(p, len, 2), first = fx_rec_off(p, len, 0);

	set16(q + last + 3, (unsigned)(len - (size_t)last + 1));
	expect_malformed(q, len, last, CTL_R_RECORDLENGTH, 3, "runs past end of file",
			 "RECORDLENGTH +1");
	memcpy(q, p, len);
	set16(q + first + 3, 0xffff);
	expect_malformed(q, len, first, CTL_R_RECORDLENGTH, 1, "runs past end of file",
			 "RECORDLENGTH 0xffff");
	/* Shorter by one: the record's last TLV runs past its end. */
	memcpy(q, p, len);
	set16(q + first + 3, fx_be16(p + first + 3) - 1);
	expect_malformed(q, len, -1, -1, 1, NULL, "RECORDLENGTH -1");
	/* Zero: smaller than the RECORDLENGTH TLV itself. */
	memcpy(q, p, len);
	set16(q + last + 3, 0);
	expect_malformed(q, len, last, CTL_R_RECORDLENGTH, 3, "smaller than its own", "RECORDLENGTH 0");
	set16(q + last + 3, 4);
	expect_malformed(q, len, last, CTL_R_RECORDLENGTH, 3, "smaller than its own", "RECORDLENGTH 4");
	/* RECORDLENGTH's own length must be 2. */
	memcpy(q, p, len);
	set16(q + last + 1, 3);
	expect_malformed(q, len, last, -1, 3, "does not start with RECORDLENGTH", "RECORDLENGTH len 3");
	/* A record that does not start with tag 1. */
	memcpy(q, p, len);
	q[last] = CTL_R_DNSNAME;
	expect_malformed(q, len, last, CTL_R_DNSNAME, 3, "does not start with RECORDLENGTH",
			 "record starts with tag 2");
	free(q);
	free(p);
}

Test(codec, headerlength_past_eof_and_too_small)
{
	size_t len;
	uint8_t *p = fx_read("ctl-blanked.tlv", &len), *q = dup_bytes(p, len);
	unsigned hl = fx_be16(p + 8);

	set16(q + 8, (unsigned)len + 4);
	expect_malformed(q, len, 5, CTL_H_HEADERLENGTH, 0, "runs past end of file",
			 "HEADERLENGTH past EOF");
	set16(q + 8, 0xffff);
	expect_malformed(q, len, 5, CTL_H_HEADERLENGTH, 0, "runs past end of file",
			 "HEADERLENGTH 0xffff");
	/* Smaller than the TLVs already read (VERSION + HEADERLENGTH = 10). */
	set16(q + 8, 9);
	expect_malformed(q, len, 5, CTL_H_HEADERLENGTH, 0, "ends before", "HEADERLENGTH 9");
	set16(q + 8, 0);
	expect_malformed(q, len, 5, CTL_H_HEADERLENGTH, 0, "ends before", "HEADERLENGTH 0");
	/* 10: a header of VERSION and HEADERLENGTH only lacks the required tags. */
	set16(q + 8, 10);
	expect_malformed(q, len, -1, -1, 0, "header has no", "HEADERLENGTH 10");
	/* Inside the SIGNATURE TLV: it runs past the end of the header. */
	set16(q + 8, 100);
	expect_malformed(q, len, -1, -1, 0, NULL, "HEADERLENGTH 100");
	/* One short: the last padding byte becomes the first record's tag. */
	set16(q + 8, hl - 1);
	expect_malformed(q, len, -1, -1, -2, NULL, "HEADERLENGTH -1");
	/* One long: the first record's tag byte (1) is read as a header tag
	 * after padding. */
	set16(q + 8, hl + 1);
	expect_malformed(q, len, -1, -1, 0, NULL, "HEADERLENGTH +1");
	free(q);
	free(p);
}

Test(codec, header_without_headerlength)
{
	fx_buf b = {0};
	static const uint8_t v12[2] = {1, 2};

	fx_tlv(&b, CTL_H_VERSION, v12, 2);
	fx_hdr_body(&b, false);
	expect_malformed(b.p, b.n, (long)b.n, -1, 0, "without HEADERLENGTH", "no tag 2");
	fx_free(&b);
}

/* Containers: the length must be exactly the size of the nested TLVs. */
static void container_lie(unsigned tag, int delta, const char *what)
{
	size_t len;
	uint8_t *p = fx_read("ctl-blanked.tlv", &len), *q = dup_bytes(p, len);
	long c = fx_hdr_off(p, len, tag);

	cr_assert_gt(c, 0);
	set16(q + c + 1, (unsigned)((int)fx_be16(p + c + 1) + delta));
	expect_malformed(q, len, -1, -1, 0, NULL, what);
	free(q);
	free(p);
}

Test(codec, containers_that_lie)
{
	container_lie(CTL_H_SIGNERID, +1, "SIGNERID +1");
	container_lie(CTL_H_SIGNERID, -1, "SIGNERID -1");
	container_lie(CTL_H_SIGNERID, +200, "SIGNERID +200");
	container_lie(CTL_H_SIGNERID, -40, "SIGNERID -40");
	container_lie(CTL_H_SIGNATUREINFO, +1, "SIGNATUREINFO +1");
	container_lie(CTL_H_SIGNATUREINFO, -1, "SIGNATUREINFO -1");
	container_lie(CTL_H_SIGNATUREINFO, -15, "SIGNATUREINFO 0");
	/* Nested: 9 inside 7. */
	container_lie(CTL_H_SIGNATUREALGOINFO, +1, "SIGNATUREALGOINFO +1 (past its parent)");
	container_lie(CTL_H_SIGNATUREALGOINFO, -1, "SIGNATUREALGOINFO -1");
	container_lie(CTL_H_SIGNATUREALGOINFO, -4, "SIGNATUREALGOINFO -4 (11 outside)");
	container_lie(CTL_H_SIGNATUREALGOINFO, -8, "SIGNATUREALGOINFO 0");
}

Test(codec, nested_container_lies_name_the_container)
{
	size_t len;
	uint8_t *p = fx_read("ctl-blanked.tlv", &len), *q = dup_bytes(p, len);
	long c7 = fx_hdr_off(p, len, CTL_H_SIGNATUREINFO), c9 = fx_hdr_off(p, len, CTL_H_SIGNATUREALGOINFO);
	long c11 = fx_hdr_off(p, len, CTL_H_SIGNATUREMODULUS);

	/* 9 claims one byte more than 7 leaves it: 9 itself runs past 7. */
	set16(q + c9 + 1, 9);
	expect_malformed(q, len, c9, CTL_H_SIGNATUREALGOINFO, 0, "past the end of container",
			 "9 past 7");
	/* 7 and 9 both grow by one: 9 is inside 7, but 11's parent 9 then
	 * swallows the SIGNATURE tag: SIGNATURE's tag becomes content of 9. */
	memcpy(q, p, len);
	set16(q + c7 + 1, 16);
	set16(q + c9 + 1, 9);
	expect_malformed(q, len, -1, -1, 0, NULL, "7 and 9 both +1");
	/* 9 claims less: 11 runs past the end of 9. */
	memcpy(q, p, len);
	set16(q + c9 + 1, 7);
	expect_malformed(q, len, c11, CTL_H_SIGNATUREMODULUS, 0, "past the end of container",
			 "9 -1");
	free(q);
	free(p);
}

Test(codec, container_in_wrong_place)
{
	fx_buf b = {0};
	size_t c;

	/* SIGNATUREALGOINFO (9) at the top level. */
	fx_hdr_begin(&b);
	c = fx_open(&b, 9);
	fx_tlv_u8(&b, 10, 0);
	fx_tlv_u8(&b, 11, 1);
	fx_close(&b, c);
	fx_hdr_body(&b, false);
	fx_hdr_end(&b);
	fx_rec_blank(&b, 2);
	expect_malformed(b.p, b.n, 10, 9, 0, "outside its container", "9 at top");
	/* SIGNERNAME at the top level. */
	fx_hdr_begin(&b);
	fx_tlv_str(&b, 4, "CN=x");
	fx_hdr_body(&b, false);
	fx_hdr_end(&b);
	expect_malformed(b.p, b.n, 10, 4, 0, "outside its container", "4 at top");
	/* FILENAME inside SIGNERID. */
	fx_hdr_begin(&b);
	c = fx_open(&b, 3);
	fx_tlv_str(&b, 14, "CTLFile.tlv");
	fx_close(&b, c);
	fx_hdr_body(&b, false);
	fx_hdr_end(&b);
	expect_malformed(b.p, b.n, 13, 14, 0, "belongs at the top", "14 in 3");
	fx_free(&b);
}

/* ---- padding -------------------------------------------------------------- */

Test(codec, padding_not_at_end)
{
	fx_buf b = {0};
	size_t at;

	/* Padding after HEADERLENGTH, then the rest of the header. */
	fx_hdr_begin(&b);
	fx_u8(&b, 0x0d);
	at = b.n;
	fx_hdr_body(&b, false);
	fx_hdr_end(&b);
	fx_rec_blank(&b, 2);
	expect_malformed(b.p, b.n, (long)at, CTL_H_SIGNERID, 0, "after header padding",
			 "padding in the middle");
	fx_free(&b);
}

Test(codec, tag_after_padding)
{
	fx_buf b = {0};
	size_t at;

	/* A valid header, then padding, then TIMESTAMP, then padding again. */
	fx_hdr_begin(&b);
	fx_hdr_body(&b, false);
	fx_u8(&b, 0x0d);
	at = b.n;
	fx_tlv_u32(&b, 40, 7);
	fx_hdr_end(&b);
	fx_rec_blank(&b, 2);
	expect_malformed(b.p, b.n, (long)at, 40, 0, "after header padding", "unknown tag after pad");
	fx_free(&b);
}

Test(codec, padding_before_headerlength_or_in_container)
{
	fx_buf b = {0};
	static const uint8_t v12[2] = {1, 2};
	size_t c;

	fx_tlv(&b, 1, v12, 2);
	fx_u8(&b, 0x0d);
	fx_tlv_u16(&b, 2, 0);
	fx_hdr_body(&b, false);
	expect_malformed(b.p, b.n, 5, CTL_H_PADDING, 0, "before HEADERLENGTH", "pad before 2");

	fx_hdr_begin(&b);
	c = fx_open(&b, 3);
	fx_u8(&b, 0x0d);
	fx_close(&b, c);
	fx_hdr_body(&b, false);
	fx_hdr_end(&b);
	expect_malformed(b.p, b.n, 13, CTL_H_PADDING, 0, "inside container", "pad in 3");
	fx_free(&b);
}

Test(codec, padding_kept_and_counted)
{
	fx_buf b = {0};
	ctl_file *f;
	size_t pads = 0;

	fx_header(&b, false);
	fx_rec_blank(&b, 2);
	f = parse_ok(b.p, b.n, "padded");
	for (size_t i = 0; i < f->nhdr; i++)
		if (f->hdr[i].kind == CTL_TLV_PAD) {
			cr_assert_eq(f->hdr[i].tag, CTL_H_PADDING);
			pads++;
		}
	cr_assert_eq(pads, (size_t)(f->header_length - fx_hdr_off(b.p, b.n, CTL_H_TIMESTAMP) - 7));
	assert_roundtrip(b.p, b.n, f, "padded");
	ctl_free(f);
	fx_free(&b);
}

/* ---- duplicates and unknown tags ------------------------------------------ */

Test(codec, duplicate_known_header_tag)
{
	fx_buf b = {0};
	size_t at, c;

	fx_hdr_begin(&b);
	fx_hdr_body(&b, false);
	at = b.n;
	fx_tlv_str(&b, CTL_H_FILENAME, "ITLFile.tlv");
	fx_hdr_end(&b);
	fx_rec_blank(&b, 2);
	expect_malformed(b.p, b.n, (long)at, CTL_H_FILENAME, 0, "duplicate", "two FILENAMEs");

	/* A second SERIALNUMBER inside SIGNERID. */
	fx_hdr_begin(&b);
	c = fx_open(&b, 3);
	fx_tlv_str(&b, 4, "CN=a");
	fx_tlv_u8(&b, 5, 1);
	at = b.n;
	fx_tlv_u8(&b, 5, 2);
	fx_tlv_str(&b, 6, "CN=a");
	fx_close(&b, c);
	fx_hdr_end(&b);
	expect_malformed(b.p, b.n, (long)at, CTL_H_SERIALNUMBER, 0, "duplicate", "two serials");

	/* A second HEADERLENGTH. */
	fx_hdr_begin(&b);
	at = b.n;
	fx_tlv_u16(&b, 2, 0);
	fx_hdr_body(&b, false);
	fx_hdr_end(&b);
	expect_malformed(b.p, b.n, (long)at, CTL_H_HEADERLENGTH, 0, "duplicate", "two HEADERLENGTHs");
	fx_free(&b);
}

Test(codec, duplicate_known_record_tag)
{
	static const unsigned tags[] = {CTL_R_DNSNAME, CTL_R_FUNCTION, CTL_R_IPADDRESS,
					CTL_R_RECORDLENGTH, CTL_R_CERTHASH};
	fx_buf b = {0};

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t r, at;

		fx_header(&b, false);
		r = fx_rec_begin(&b);
		fx_tlv_str(&b, 2, "a");
		fx_tlv_u16(&b, 4, 2);
		fx_tlv_u32(&b, 10, 0x0a000001);
		fx_tlv_u16(&b, 11, 0);
		at = b.n;
		if (tags[i] == CTL_R_DNSNAME)
			fx_tlv_str(&b, 2, "b");
		else if (tags[i] == CTL_R_IPADDRESS)
			fx_tlv_u32(&b, 10, 0x0a000002);
		else
			fx_tlv_u16(&b, tags[i], 3);
		fx_rec_end(&b, r);
		expect_malformed(b.p, b.n, (long)at, (int)tags[i], 1, "duplicate", "duplicate record tag");
	}
	fx_free(&b);
}

Test(codec, unknown_header_tags_kept)
{
	size_t len;
	uint8_t *p = fx_read("ctl-unknown-tags.tlv", &len);
	ctl_file *f = parse_ok(p, len, "ctl-unknown-tags");
	const ctl_tlv *t40 = ctl_hdr_find(f, 40), *t41 = ctl_hdr_find(f, 41);

	cr_assert_not_null(t40);
	cr_assert_not_null(t41);
	cr_assert_eq(t40->len, 2);
	cr_assert_eq(t40->val[0], 1);
	cr_assert_eq(t40->val[1], 2);
	cr_assert_eq(t41->len, 0);
	cr_assert_eq(t40->kind, CTL_TLV_PLAIN);
	cr_assert_eq((long)t40->off, fx_hdr_off(p, len, 40));
	assert_roundtrip(p, len, f, "unknown header tags");
	ctl_free(f);
	free(p);
}

Test(codec, unknown_tags_inside_containers_and_duplicated_kept)
{
	fx_buf b = {0};
	ctl_file *f;
	size_t c, n = 0;

	fx_hdr_begin(&b);
	fx_tlv_u8(&b, 200, 1);
	c = fx_open(&b, 3);
	fx_tlv_str(&b, 4, "CN=a");
	fx_tlv_u8(&b, 5, 1);
	fx_tlv_u8(&b, 99, 7);     /* unknown, inside SIGNERID */
	fx_tlv_str(&b, 6, "CN=a");
	fx_close(&b, c);
	fx_tlv_u8(&b, 200, 2);    /* unknown tags may repeat */
	fx_hdr_body(&b, false);   /* (its own SIGNERID would be a duplicate) */
	fx_hdr_end(&b);
	/* The standard body brings a second SIGNERID: refused as duplicate... */
	expect_malformed(b.p, b.n, -1, CTL_H_SIGNERID, 0, "duplicate", "second SIGNERID");
	/* ...so build it by hand instead. */
	fx_hdr_begin(&b);
	fx_tlv_u8(&b, 200, 1);
	{
		fx_buf body = {0};
		fx_hdr_body(&body, false);
		/* body starts with SIGNERID{4,5,6}: insert tag 99 before CANAME */
		size_t sid_len = fx_be16(body.p + 1);
		long can = -1;
		for (size_t o = 3; o < 3 + sid_len; o += 3 + fx_be16(body.p + o + 1))
			if (body.p[o] == 6)
				can = (long)o;
		cr_assert_gt(can, 0);
		fx_put(&b, body.p, (size_t)can);
		fx_tlv_u8(&b, 99, 7);
		fx_put(&b, body.p + can, body.n - (size_t)can);
		/* SIGNERID grew by 4 bytes */
		fx_set16(&b, 15, (unsigned)sid_len + 4);
		fx_free(&body);
	}
	fx_tlv_u8(&b, 200, 2);
	fx_hdr_end(&b);
	fx_rec_blank(&b, 2);
	f = parse_ok(b.p, b.n, "unknown tags in and around containers");
	for (size_t i = 0; i < f->nhdr; i++)
		n += f->hdr[i].tag == 200;
	cr_assert_eq(n, 2);
	cr_assert_not_null(ctl_hdr_find(f, 99));
	cr_assert_eq(ctl_hdr_find(f, 99)->depth, 1);
	cr_assert_eq(ctl_hdr_find(f, 99)->val[0], 7);
	assert_roundtrip(b.p, b.n, f, "unknown tags in and around containers");
	ctl_free(f);
	fx_free(&b);
}

Test(codec, unknown_record_tags_kept)
{
	size_t len;
	uint8_t *p = fx_read("ctl-unknown-tags.tlv", &len);
	ctl_file *f = parse_ok(p, len, "ctl-unknown-tags");
	const ctl_tlv *t99 = ctl_rec_find(&f->rec[0], 99), *t11 = ctl_rec_find(&f->rec[0], 11);

	cr_assert_not_null(t99);
	cr_assert_eq(t99->len, 1);
	cr_assert_eq(t99->val[0], 0xff);
	cr_assert_not_null(t11);
	cr_assert_eq(t11->len, 4);
	cr_assert_eq(t11->val[3], 0x33);
	/* Role 99 is unknown but kept as a number. */
	cr_assert_eq(ctl_rec_function(&f->rec[1]), 99);
	cr_assert_null(ctl_role_name(99));
	assert_roundtrip(p, len, f, "unknown record tags");
	ctl_free(f);
	free(p);
}

/* ---- record shapes -------------------------------------------------------- */

Test(codec, blanked_record_parses)
{
	size_t len;
	uint8_t *p = fx_read("ctl-blanked.tlv", &len);
	ctl_file *f = parse_ok(p, len, "ctl-blanked");

	cr_assert_eq(f->nrec, 3);
	cr_assert_not_null(ctl_rec_cert(&f->rec[0]));
	for (size_t i = 1; i < 3; i++) {
		const ctl_record *r = &f->rec[i];
		cr_assert_null(ctl_rec_cert(r));
		cr_assert_eq(r->ntlv, 4);
		cr_assert_eq(r->len, 5 + 8 + 5 + 7, "blanked record is %u bytes", r->len);
		cr_assert_eq(ctl_rec_function(r), CTL_ROLE_CCM_TFTP);
		cr_assert_null(ctl_rec_find(r, CTL_R_CERTIFICATE));
		cr_assert_null(ctl_rec_find(r, CTL_R_SUBJECTNAME));
		cr_assert_not_null(ctl_rec_find(r, CTL_R_IPADDRESS));
	}
	ctl_free(f);
	free(p);
}

/* A record with every tag 2-10 in the given order. */
static void full_record(fx_buf *b, const unsigned *order, size_t n, const uint8_t *der, size_t derlen)
{
	size_t r = fx_rec_begin(b);
	static const uint8_t serial[3] = {0x01, 0x02, 0x03}, ip[4] = {192, 0, 2, 7};

	for (size_t i = 0; i < n; i++)
		switch (order[i]) {
		case 2: fx_tlv_str(b, 2, "host"); break;
		case 3: fx_tlv_str(b, 3, "CN=s"); break;
		case 4: fx_tlv_u16(b, 4, CTL_ROLE_TFTP); break;
		case 5: fx_tlv_str(b, 5, "CN=i"); break;
		case 6: fx_tlv(b, 6, serial, 3); break;
		case 7: fx_tlv(b, 7, "\x30\x00", 2); break;
		case 8: fx_tlv(b, 8, "\xaa\xbb", 2); break;
		case 9: fx_tlv(b, 9, der, derlen); break;
		case 10: fx_tlv(b, 10, ip, 4); break;
		default: cr_assert_fail("bad tag");
		}
	fx_rec_end(b, r);
}

Test(codec, records_in_any_tag_order)
{
	size_t derlen;
	uint8_t *der = fx_cert_der("ccm1.pem", &derlen);
	unsigned order[9] = {2, 3, 4, 5, 6, 7, 8, 9, 10};
	unsigned seed = 12345;
	fx_buf b = {0};

	for (int round = 0; round < 40; round++) {
		ctl_file *f;

		if (round == 1) {
			for (unsigned i = 0; i < 9; i++)
				order[i] = 10 - i;
		} else if (round == 2) {
			static const unsigned py[9] = {3, 5, 6, 4, 7, 8, 9, 2, 10};
			memcpy(order, py, sizeof(py));
		} else if (round > 2) {
			for (unsigned i = 8; i > 0; i--) { /* Fisher-Yates, fixed LCG */
				unsigned j, t;
				seed = seed * 1103515245u + 12345u;
				j = (seed >> 16) % (i + 1);
				t = order[i];
				order[i] = order[j];
				order[j] = t;
			}
		}
		fx_header(&b, round % 2);
		full_record(&b, order, 9, der, derlen);
		full_record(&b, order + 1, 8, der, derlen); /* minus one tag */
		if (order[0] == 4) {
			/* Without FUNCTION the second record is malformed. */
			expect_malformed(b.p, b.n, -1, CTL_R_FUNCTION, 2, "no FUNCTION", "no FUNCTION");
			continue;
		}
		f = parse_ok(b.p, b.n, "shuffled record");
		cr_assert_eq(f->nrec, 2);
		for (size_t i = 0; i < 9; i++)
			cr_assert_eq(f->rec[0].tlv[i + 1].tag, order[i]);
		cr_assert_eq(ctl_rec_function(&f->rec[0]), CTL_ROLE_TFTP);
		cr_assert_str_eq(ctl_tlv_str(ctl_rec_find(&f->rec[0], CTL_R_SUBJECTNAME)), "CN=s");
		cr_assert_str_eq(ctl_tlv_str(ctl_rec_find(&f->rec[0], CTL_R_DNSNAME)), "host");
		cr_assert_eq(ctl_rec_find(&f->rec[0], CTL_R_SERIALNUMBER)->val[2], 3);
		cr_assert_not_null(ctl_rec_cert(&f->rec[0]));
		cr_assert_eq(!!ctl_rec_cert(&f->rec[1]), order[0] != 9);
		assert_roundtrip(b.p, b.n, f, "shuffled record");
		ctl_free(f);
	}
	fx_free(&b);
	free(der);
}

Test(codec, both_header_orders)
{
	fx_buf b = {0};

	for (int python = 0; python < 2; python++) {
		ctl_file *f;
		unsigned u;

		small_file(&b, python);
		f = parse_ok(b.p, b.n, python ? "python order" : "cucm order");
		cr_assert_eq(f->hdr[2].tag, python ? CTL_H_SIGNERVERSION : CTL_H_SIGNERID);
		cr_assert_eq(!!ctl_hdr_find(f, CTL_H_SIGNERVERSION), python);
		cr_assert(ctl_tlv_u8(ctl_hdr_find(f, CTL_H_SIGNATUREMODULUS), &u));
		cr_assert_eq(u, 1);
		cr_assert_eq(ctl_hdr_find(f, CTL_H_SERIALNUMBER)->len, 8);
		cr_assert_eq(ctl_hdr_find(f, CTL_H_SERIALNUMBER)->val[0], 0x24);
		cr_assert_str_eq(ctl_tlv_str(ctl_hdr_find(f, CTL_H_CANAME)),
				 "CN=ccm1.example.com;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US");
		assert_roundtrip(b.p, b.n, f, "header order");
		ctl_free(f);
	}
	/* And the real files of each order. */
	{
		size_t len;
		uint8_t *p = fx_read("ctl-python-sha256.tlv", &len);
		ctl_file *f = parse_ok(p, len, "ctl-python-sha256");
		cr_assert_eq(f->hdr[2].tag, CTL_H_SIGNERVERSION);
		cr_assert_eq(f->hdr[4].tag, CTL_H_SIGNERNAME);
		cr_assert_eq(f->hdr[5].tag, CTL_H_CANAME);
		cr_assert_eq(f->hdr[6].tag, CTL_H_SERIALNUMBER);
		ctl_free(f);
		free(p);
	}
	fx_free(&b);
}

Test(codec, record_without_function)
{
	fx_buf b = {0};
	size_t r;

	fx_header(&b, false);
	fx_rec_blank(&b, 2);
	r = fx_rec_begin(&b);
	fx_tlv_str(&b, 2, "x");
	fx_rec_end(&b, r);
	expect_malformed(b.p, b.n, (long)r, CTL_R_FUNCTION, 2, "no FUNCTION", "record 2 without FUNCTION");
	/* A record of RECORDLENGTH alone. */
	fx_header(&b, false);
	r = fx_rec_begin(&b);
	fx_rec_end(&b, r);
	expect_malformed(b.p, b.n, (long)r, CTL_R_FUNCTION, 1, "no FUNCTION", "bare RECORDLENGTH");
	fx_free(&b);
}

Test(codec, zero_length_values)
{
	static const unsigned empty_bad[] = {CTL_R_DNSNAME, CTL_R_SUBJECTNAME, CTL_R_FUNCTION,
					     CTL_R_ISSUERNAME, CTL_R_SERIALNUMBER,
					     CTL_R_PUBLICKEY, CTL_R_SIGNATURE,
					     CTL_R_CERTIFICATE, CTL_R_IPADDRESS};
	fx_buf b = {0};

	for (size_t i = 0; i < sizeof(empty_bad) / sizeof(empty_bad[0]); i++) {
		size_t r, at;

		fx_header(&b, false);
		r = fx_rec_begin(&b);
		if (empty_bad[i] != CTL_R_FUNCTION)
			fx_tlv_u16(&b, 4, 2);
		at = b.n;
		fx_tlv(&b, empty_bad[i], NULL, 0);
		fx_rec_end(&b, r);
		expect_malformed(b.p, b.n, (long)at, (int)empty_bad[i], 1, NULL, "empty record value");
	}
	/* An unknown record tag may be empty. */
	{
		size_t r;
		ctl_file *f;

		fx_header(&b, false);
		r = fx_rec_begin(&b);
		fx_tlv_u16(&b, 4, 2);
		fx_tlv(&b, 77, NULL, 0);
		fx_rec_end(&b, r);
		f = parse_ok(b.p, b.n, "empty unknown tag");
		cr_assert_eq(ctl_rec_find(&f->rec[0], 77)->len, 0);
		cr_assert_null(ctl_rec_find(&f->rec[0], 77)->val);
		assert_roundtrip(b.p, b.n, f, "empty unknown tag");
		ctl_free(f);
	}
	fx_free(&b);
}

Test(codec, strings_must_be_nul_terminated)
{
	fx_buf b = {0};
	size_t r, at;

	fx_header(&b, false);
	r = fx_rec_begin(&b);
	fx_tlv_u16(&b, 4, 2);
	at = b.n;
	fx_tlv(&b, CTL_R_DNSNAME, "abc", 3);
	fx_rec_end(&b, r);
	expect_malformed(b.p, b.n, (long)at, CTL_R_DNSNAME, 1, "NUL", "unterminated DNSNAME");

	fx_header(&b, false);
	r = fx_rec_begin(&b);
	fx_tlv_u16(&b, 4, 2);
	at = b.n;
	fx_tlv(&b, CTL_R_SUBJECTNAME, "a\0b", 4);
	fx_rec_end(&b, r);
	expect_malformed(b.p, b.n, (long)at, CTL_R_SUBJECTNAME, 1, "NUL", "NUL inside SUBJECTNAME");
	fx_free(&b);
}

Test(codec, certificate_not_der_or_with_trailing_garbage)
{
	size_t derlen;
	uint8_t *der = fx_cert_der("ccm2.pem", &derlen), *more;
	fx_buf b = {0};
	size_t r, at;

	more = malloc(derlen + 1);
	memcpy(more, der, derlen);
	more[derlen] = 0;
	for (int k = 0; k < 4; k++) {
		fx_header(&b, false);
		r = fx_rec_begin(&b);
		fx_tlv_u16(&b, 4, 2);
		at = b.n;
		if (k == 0)
			fx_tlv(&b, 9, "not a certificate", 17);
		else if (k == 1)
			fx_tlv(&b, 9, more, derlen + 1);   /* DER + trailing byte */
		else if (k == 2)
			fx_tlv(&b, 9, der, derlen - 1);    /* DER cut short */
		else
			fx_tlv(&b, 9, der, 4);             /* just the SEQUENCE header */
		fx_rec_end(&b, r);
		expect_malformed(b.p, b.n, (long)at, CTL_R_CERTIFICATE, 1, "not exactly one DER",
				 "bad CERTIFICATE");
	}
	/* Control: the certificate itself is fine. */
	{
		ctl_file *f;
		fx_header(&b, false);
		r = fx_rec_begin(&b);
		fx_tlv_u16(&b, 4, 2);
		fx_tlv(&b, 9, der, derlen);
		fx_rec_end(&b, r);
		f = parse_ok(b.p, b.n, "good certificate");
		cr_assert_not_null(ctl_rec_cert(&f->rec[0]));
		ctl_free(f);
	}
	free(more);
	free(der);
	fx_free(&b);
}

Test(codec, signaturemodulus_out_of_range)
{
	size_t len;
	uint8_t *p = fx_read("ctl-blanked.tlv", &len), *q = dup_bytes(p, len);
	long m = fx_hdr_off(p, len, CTL_H_SIGNATUREMODULUS);

	cr_assert_gt(m, 0);
	for (unsigned v = 4; v < 256; v += (v < 8 ? 1 : 61)) {
		q[m + 3] = (uint8_t)v;
		expect_malformed(q, len, m, CTL_H_SIGNATUREMODULUS, 0, "SIGNATUREMODULUS",
				 "modulus out of range");
	}
	free(q);
	free(p);
}

Test(codec, signature_length_not_matching_modulus)
{
	size_t len;
	uint8_t *p = fx_read("ctl-blanked.tlv", &len), *q = dup_bytes(p, len);
	long m = fx_hdr_off(p, len, CTL_H_SIGNATUREMODULUS), s = fx_hdr_off(p, len, CTL_H_SIGNATURE);

	for (unsigned v = 0; v < 4; v++) {
		if (v == 1)
			continue; /* 1024-bit: the real size */
		q[m + 3] = (uint8_t)v;
		expect_malformed(q, len, s, CTL_H_SIGNATURE, 0, "SIGNATURE is 128 bytes",
				 "modulus says another size");
	}
	free(q);
	/* A synthetic header whose SIGNATURE is one byte short (length fields consistent). */
	{
		fx_buf b = {0};
		size_t c, c2;
		uint8_t sig[127] = {0};

		fx_hdr_begin(&b);
		c = fx_open(&b, 3);
		fx_tlv_str(&b, 4, "CN=a");
		fx_tlv_u8(&b, 5, 1);
		fx_tlv_str(&b, 6, "CN=a");
		fx_close(&b, c);
		c = fx_open(&b, 7);
		fx_tlv_u8(&b, 8, 1);
		c2 = fx_open(&b, 9);
		fx_tlv_u8(&b, 10, 0);
		fx_tlv_u8(&b, 11, 1);
		fx_close(&b, c2);
		fx_close(&b, c);
		s = (long)b.n;
		fx_tlv(&b, 12, sig, sizeof(sig));
		fx_tlv_str(&b, 14, "CTLFile.tlv");
		fx_tlv_u32(&b, 15, 1);
		fx_hdr_end(&b);
		fx_rec_blank(&b, 2);
		expect_malformed(b.p, b.n, s, CTL_H_SIGNATURE, 0, "127 bytes", "127-byte signature");
		fx_free(&b);
	}
	free(p);
}

Test(codec, fixed_size_header_values)
{
	/* VERSION of 3 bytes, DIGESTALGORITHM of 2, TIMESTAMP of 3. */
	size_t len;
	uint8_t *p = fx_read("ctl-blanked.tlv", &len), *q = dup_bytes(p, len);
	long t = fx_hdr_off(p, len, CTL_H_TIMESTAMP);

	set16(q + t + 1, 3);
	expect_malformed(q, len, -1, -1, 0, NULL, "TIMESTAMP of 3 bytes");
	free(q);
	free(p);
}

Test(codec, missing_required_header_tags)
{
	static const unsigned req[] = {CTL_H_SIGNATURE, CTL_H_FILENAME, CTL_H_TIMESTAMP};
	fx_buf b = {0};

	for (size_t i = 0; i < 3; i++) {
		fx_buf body = {0};
		size_t o = 0;

		fx_hdr_body(&body, false);
		fx_hdr_begin(&b);
		/* copy the body, leaving out the top-level TLV with this tag */
		while (o < body.n) {
			/* a container's length covers its nested TLVs */
			size_t w = 3 + fx_be16(body.p + o + 1);
			if (body.p[o] != req[i])
				fx_put(&b, body.p + o, w);
			o += w;
		}
		fx_hdr_end(&b);
		fx_rec_blank(&b, 2);
		expect_malformed(b.p, b.n, -1, (int)req[i], 0, "header has no", "missing header tag");
		fx_free(&body);
	}
	fx_free(&b);
}

Test(codec, empty_file)
{
	ctl_file *f = (ctl_file *)1;
	ctl_err e;
	uint8_t dummy = 0;

	cr_assert_eq(ctl_parse(&dummy, 0, &f, &e), CTL_E_MALFORMED);
	cr_assert_null(f);
	cr_assert_eq(e.offset, 0);
	cr_assert(strstr(e.msg, "empty"), "%s", e.msg);
}

Test(codec, oversized_input_refused)
{
	uint8_t *big = calloc(1, (size_t)CTL_FILE_MAX + 1);
	ctl_file *f = (ctl_file *)1;
	ctl_err e;

	cr_assert(big);
	/* Make it a valid header so only the size can be the reason. */
	{
		fx_buf b = {0};
		small_file(&b, false);
		memcpy(big, b.p, b.n);
		fx_free(&b);
	}
	cr_assert_eq(ctl_parse(big, (size_t)CTL_FILE_MAX + 1, &f, &e), CTL_E_MALFORMED);
	cr_assert_null(f);
	cr_assert(strstr(e.msg, "larger"), "%s", e.msg);
	/* At the limit it is parsed (and refused for what follows the records). */
	cr_assert_eq(ctl_parse(big, CTL_FILE_MAX, &f, &e), CTL_E_MALFORMED);
	cr_assert_geq(e.offset, 0, "at the limit the parser must get to the bytes: %s", e.msg);
	cr_assert_null(strstr(e.msg, "larger"));
	free(big);
}

Test(codec, bytes_after_last_record)
{
	fx_buf b = {0};
	size_t at;

	small_file(&b, false);
	at = b.n;
	fx_u8(&b, 0);
	expect_malformed(b.p, b.n, (long)at, -1, 2, NULL, "one stray byte");
	fx_free(&b);
}

/* ---- decoded fields ------------------------------------------------------- */

Test(codec, name_string_cucm_order)
{
	X509 *x = fx_cert("ccm1.pem");
	const X509_NAME *n = X509_get_subject_name(x);
	char *s;

	/* The DER order really is C, O, OU, CN, ST, L. */
	cr_assert_eq(OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(n, 0))), NID_countryName);
	cr_assert_eq(OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(n, 3))), NID_commonName);
	s = ctl_name_string(n);
	cr_assert_str_eq(s, "CN=ccm1.example.com;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US");
	free(s);
	X509_free(x);

	x = fx_cert("capf.pem");
	s = ctl_name_string(X509_get_subject_name(x));
	cr_assert_str_eq(s, "CN=CAPF-2076a1a2;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US");
	free(s);
	X509_free(x);

	x = fx_cert("sast1.pem");
	s = ctl_name_string(X509_get_issuer_name(x));
	cr_assert_str_eq(s, "CN=Cisco Manufacturing CA;O=Cisco Systems");
	free(s);
	s = ctl_name_string(X509_get_subject_name(x));
	cr_assert_str_eq(s, "CN=SAST-ADN0054f509        ;OU=IPCBU;O=Cisco Systems");
	free(s);
	X509_free(x);
}

Test(codec, name_string_other_attributes_after_in_der_order)
{
	X509_NAME *n = X509_NAME_new();
	char *s;

	cr_assert(X509_NAME_add_entry_by_txt(n, "DC", MBSTRING_ASC, (const unsigned char *)"example", -1, -1, 0));
	cr_assert(X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1, 0));
	cr_assert(X509_NAME_add_entry_by_txt(n, "emailAddress", MBSTRING_ASC, (const unsigned char *)"a@b.c", -1, -1, 0));
	cr_assert(X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC, (const unsigned char *)"one", -1, -1, 0));
	cr_assert(X509_NAME_add_entry_by_txt(n, "1.2.3.4.5", MBSTRING_ASC, (const unsigned char *)"raw", -1, -1, 0));
	cr_assert(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"h\xc3\xa9llo", -1, -1, 0));
	cr_assert(X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC, (const unsigned char *)"two", -1, -1, 0));
	cr_assert(X509_NAME_add_entry_by_txt(n, "serialNumber", MBSTRING_ASC, (const unsigned char *)"42", -1, -1, 0));
	s = ctl_name_string(n);
	cr_assert_str_eq(s, "CN=h\xc3\xa9llo;OU=one;OU=two;C=US;DC=example;emailAddress=a@b.c;1.2.3.4.5=raw;serialNumber=42");
	free(s);
	X509_NAME_free(n);

	/* A BMPString value comes out as UTF-8. */
	n = X509_NAME_new();
	{
		static const unsigned char bmp[] = {0x00, 0xe9, 0x00, 'x'};
		X509_NAME_ENTRY *e = X509_NAME_ENTRY_create_by_NID(NULL, NID_commonName,
								   V_ASN1_BMPSTRING, bmp, sizeof(bmp));
		cr_assert(e);
		cr_assert_eq(ASN1_STRING_type(X509_NAME_ENTRY_get_data(e)), V_ASN1_BMPSTRING);
		cr_assert(X509_NAME_add_entry(n, e, -1, 0));
		X509_NAME_ENTRY_free(e);
	}
	s = ctl_name_string(n);
	cr_assert_str_eq(s, "CN=\xc3\xa9x");
	free(s);
	X509_NAME_free(n);

	n = X509_NAME_new();
	s = ctl_name_string(n);
	cr_assert_str_eq(s, "");
	free(s);
	X509_NAME_free(n);
}

/* Upper-case colon hex of a certificate serial via BN (independent path). */
static void serial_hex_bn(X509 *x, char *out, size_t n)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *h = BN_bn2hex(bn);
	const char *q = h;
	size_t o = 0, hl = strlen(h);

	cr_assert(h);
	if (hl % 2) {
		/* odd number of digits: pad to whole bytes */
		out[o++] = '0';
		out[o++] = *q++;
		if (*q)
			out[o++] = ':';
	}
	while (*q && o + 3 < n) {
		out[o++] = q[0];
		out[o++] = q[1];
		q += 2;
		if (*q)
			out[o++] = ':';
	}
	out[o] = '\0';
	OPENSSL_free(h);
	BN_free(bn);
}

static void check_certinfo(const char *pem, const char *type, int bits, const char *curve)
{
	X509 *x = fx_cert(pem);
	ctl_certinfo ci;
	ctl_err e;
	char want[256];
	unsigned char *der = NULL;
	int derlen = i2d_X509(x, &der);
	uint8_t sha1[20];
	unsigned l = 0;
	char *subj = ctl_name_string(X509_get_subject_name(x));
	struct tm tm;

	cr_assert_eq(ctl_certinfo_get(x, &ci, &e), CTL_OK, "%s: %s", pem, e.msg);
	cr_assert_str_eq(ci.key_type, type, "%s", pem);
	cr_assert_eq(ci.key_bits, bits, "%s: %d bits", pem, ci.key_bits);
	cr_assert_str_eq(ci.curve, curve, "%s: curve `%s'", pem, ci.curve);
	serial_hex_bn(x, want, sizeof(want));
	cr_assert_str_eq(ci.serial_hex, want, "%s", pem);
	EVP_Digest(der, (size_t)derlen, sha1, &l, EVP_sha1(), NULL);
	cr_assert_eq(memcmp(ci.sha1, sha1, 20), 0, "%s sha1", pem);
	cr_assert_str_eq(ci.subject, subj);
	cr_assert(ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm));
	cr_assert_eq(ci.not_after, timegm(&tm), "%s not_after", pem);
	cr_assert(ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm));
	cr_assert_eq(ci.not_before, timegm(&tm), "%s not_before", pem);
	/* gen.sh: -days 3650 (tokens and CA likewise) */
	cr_assert_geq(ci.not_after - ci.not_before, (time_t)3650 * 86400 - 1, "%s validity", pem);
	ctl_certinfo_free(&ci);
	cr_assert_null(ci.subject);
	/* Without the fingerprint: the same facts, and no SHA-1. */
	{
		ctl_certinfo nf;
		static const uint8_t zero[20];

		cr_assert_eq(ctl_certinfo_nofp(x, &nf, &e), CTL_OK, "%s: %s", pem, e.msg);
		cr_assert_str_eq(nf.key_type, type);
		cr_assert_eq(nf.key_bits, bits);
		cr_assert_str_eq(nf.curve, curve);
		cr_assert_str_eq(nf.serial_hex, want);
		cr_assert_str_eq(nf.subject, subj);
		cr_assert_eq(memcmp(nf.sha1, zero, 20), 0, "%s: no fingerprint", pem);
		cr_assert(ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm));
		cr_assert_eq(nf.not_after, timegm(&tm));
		cr_assert(ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm));
		cr_assert_eq(nf.not_before, timegm(&tm));
		ctl_certinfo_free(&nf);
	}
	free(subj);
	OPENSSL_free(der);
	X509_free(x);
}

/* ctl_cert_eq is X509_cmp() == 0: the same DER, byte for byte. */
Test(codec, cert_eq_is_same_der)
{
	static const char *const pems[] = {"ccm1.pem", "ccm2.pem", "sast1.pem", "sast2.pem",
					   "ecdsa.pem", "expired.pem"};
	X509 *x[6], *again = fx_cert("ccm1.pem");

	for (size_t i = 0; i < 6; i++)
		x[i] = fx_cert(pems[i]);
	for (size_t i = 0; i < 6; i++)
		for (size_t j = 0; j < 6; j++)
			cr_assert_eq(ctl_cert_eq(x[i], x[j]), X509_cmp(x[i], x[j]) == 0, "%s %s",
				     pems[i], pems[j]);
	cr_assert(ctl_cert_eq(x[0], again), "two decodings of one file");
	cr_assert_not(ctl_cert_eq(x[0], NULL));
	cr_assert_not(ctl_cert_eq(NULL, x[0]));
	cr_assert_not(ctl_cert_eq(NULL, NULL));
	for (size_t i = 0; i < 6; i++)
		X509_free(x[i]);
	X509_free(again);
}

Test(codec, certinfo_key_types_serials_hashes)
{
	check_certinfo("ccm1.pem", "RSA", 1024, "");
	check_certinfo("ccm2.pem", "RSA", 2048, "");
	check_certinfo("signer4096.pem", "RSA", 4096, "");
	check_certinfo("ecdsa.pem", "EC", 384, "secp384r1");
	check_certinfo("sast1.pem", "RSA", 1024, "");
	check_certinfo("sast2.pem", "RSA", 2048, "");
}

Test(codec, certinfo_token_serial_and_issuer)
{
	X509 *x = fx_cert("sast2.pem");
	ctl_certinfo ci;
	ctl_err e;

	cr_assert_eq(ctl_certinfo_get(x, &ci, &e), CTL_OK);
	/* gen.sh: 0x3CF9 + 8 random bytes = 10 bytes; a leading 0x00 sign
	 * byte never shows. */
	cr_assert_eq(strncmp(ci.serial_hex, "3C:F9:", 6), 0, "%s", ci.serial_hex);
	cr_assert_eq(strlen(ci.serial_hex), 10 * 3 - 1, "%s", ci.serial_hex);
	cr_assert_str_eq(ci.issuer, "CN=Cisco Manufacturing CA;O=Cisco Systems");
	ctl_certinfo_free(&ci);
	X509_free(x);
}

Test(codec, certinfo_validity_dates)
{
	X509 *x = fx_cert("expired.pem");
	ctl_certinfo ci;
	ctl_err e;

	cr_assert_eq(ctl_certinfo_get(x, &ci, &e), CTL_OK);
	cr_assert_eq(ci.not_before, (time_t)946684800);  /* 2000-01-01T00:00:00Z */
	cr_assert_eq(ci.not_after, (time_t)978307200);   /* 2001-01-01T00:00:00Z */
	/* `openssl ca` with a policy of commonName only keeps the CN. */
	cr_assert_str_eq(ci.subject, "CN=expired.example.com");
	ctl_certinfo_free(&ci);
	X509_free(x);
}

Test(codec, serial_bytes_unsigned_magnitude)
{
	X509 *x = X509_new();
	ASN1_INTEGER *ai = ASN1_INTEGER_new();
	uint8_t *s;
	size_t n;
	char hex[64];

	cr_assert(ASN1_INTEGER_set_uint64(ai, 0x8000000000000001ull));
	cr_assert(X509_set_serialNumber(x, ai));
	s = ctl_serial_bytes(x, &n);
	cr_assert_eq(n, 8, "DER has a 0x00 sign byte; the magnitude is 8 bytes, got %zu", n);
	ctl_hex_colon(s, n, hex, sizeof(hex));
	cr_assert_str_eq(hex, "80:00:00:00:00:00:00:01");
	free(s);
	cr_assert(ASN1_INTEGER_set_uint64(ai, 0));
	cr_assert(X509_set_serialNumber(x, ai));
	s = ctl_serial_bytes(x, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(s[0], 0);
	free(s);
	ASN1_INTEGER_free(ai);
	X509_free(x);
	/* Too small an output buffer is cut at a whole byte. */
	{
		static const uint8_t b[4] = {0xde, 0xad, 0xbe, 0xef};
		ctl_hex_colon(b, 4, hex, 8);
		cr_assert_str_eq(hex, "DE:AD");
	}
}

/* SUBJECTNAME/ISSUERNAME/SERIALNUMBER written by mkctl.py (its own DER
 * walker) agree with ctlsign's reading of the CERTIFICATE. */
Test(codec, record_names_match_certificates)
{
	int checked = 0;

	for (const char *const *n = fx_valid; *n; n++) {
		size_t len;
		uint8_t *p = fx_read(*n, &len);
		ctl_file *f = parse_ok(p, len, *n);

		for (size_t i = 0; i < f->nrec; i++) {
			const ctl_record *r = &f->rec[i];
			ctl_certinfo ci;
			ctl_err e;
			char hex[256];
			const ctl_tlv *sn = ctl_rec_find(r, CTL_R_SERIALNUMBER);

			if (!ctl_rec_cert(r))
				continue;
			/* ctl-token-oldnames' first record has hand-written old-style names. */
			if (strcmp(*n, "ctl-token-oldnames.tlv") == 0 && i == 0)
				continue;
			cr_assert_eq(ctl_certinfo_get(ctl_rec_cert(r), &ci, &e), CTL_OK);
			cr_assert_str_eq(ci.subject, ctl_tlv_str(ctl_rec_find(r, CTL_R_SUBJECTNAME)),
					 "%s rec %zu", *n, i + 1);
			cr_assert_str_eq(ci.issuer, ctl_tlv_str(ctl_rec_find(r, CTL_R_ISSUERNAME)),
					 "%s rec %zu", *n, i + 1);
			ctl_hex_colon(sn->val, sn->len, hex, sizeof(hex));
			cr_assert_str_eq(ci.serial_hex, hex, "%s rec %zu", *n, i + 1);
			ctl_certinfo_free(&ci);
			checked++;
		}
		ctl_free(f);
		free(p);
	}
	cr_assert_gt(checked, 25);
}

Test(codec, kind_from_filename)
{
	size_t len;
	uint8_t *p = fx_read("itl.tlv", &len);
	ctl_file *f = parse_ok(p, len, "itl");

	cr_assert_str_eq(ctl_kind(f), "ITL");
	ctl_free(f);
	free(p);
	p = fx_read("ctl-sha512.tlv", &len);
	f = parse_ok(p, len, "ctl-sha512");
	cr_assert_str_eq(ctl_kind(f), "CTL");
	ctl_free(f);
	free(p);
	/* A per-phone name still says what it is. */
	{
		fx_buf b = {0};
		uint8_t *q;
		long fn;

		small_file(&b, false);
		fn = fx_hdr_off(b.p, b.n, CTL_H_FILENAME);
		q = b.p + fn + 3;
		memcpy(q, "ITL", 3);
		f = parse_ok(b.p, b.n, "ITLFile by name");
		cr_assert_str_eq(ctl_kind(f), "ITL");
		ctl_free(f);
		memcpy(q, "XYZ", 3);
		f = parse_ok(b.p, b.n, "unknown name");
		cr_assert_str_eq(ctl_kind(f), "CTL");
		ctl_free(f);
		fx_free(&b);
	}
}

Test(codec, signed_bytes_are_file_minus_signature_tlv)
{
	for (const char *const *n = fx_valid; *n; n++) {
		size_t len;
		uint8_t *p = fx_read(*n, &len);
		ctl_signed tbs;
		ctl_file *f = parse_ok(p, len, *n);
		long s = fx_hdr_off(p, len, CTL_H_SIGNATURE);
		size_t cut;
		ctl_err e;

		cr_assert_gt(s, 0);
		cut = 3 + fx_be16(p + s + 1);
		cr_assert_eq(ctl_signed_bytes(p, len, f, &tbs, &e), CTL_OK, "%s", *n);
		cr_assert_eq(tbs.n[0] + tbs.n[1], len - cut, "%s", *n);
		cr_assert(tbs.p[0] == p && tbs.n[0] == (size_t)s, "%s: bytes before SIGNATURE", *n);
		cr_assert(tbs.p[1] == p + s + cut && tbs.n[1] == len - (size_t)s - cut,
			  "%s: bytes after SIGNATURE", *n);
		/* A buffer that is not the parsed file is refused. */
		cr_assert_neq(ctl_signed_bytes(p, len - 1, f, &tbs, &e), CTL_OK);
		ctl_free(f);
		free(p);
	}
}

Test(codec, value_helpers)
{
	ctl_tlv t = {0};
	uint8_t v[4] = {0x12, 0x34, 0x56, 0x78};
	unsigned u;
	uint32_t w;

	t.kind = CTL_TLV_PLAIN;
	t.val = v;
	t.len = 2;
	cr_assert(ctl_tlv_u16(&t, &u));
	cr_assert_eq(u, 0x1234);
	cr_assert_not(ctl_tlv_u8(&t, &u));
	cr_assert_not(ctl_tlv_u32(&t, &w));
	t.len = 4;
	cr_assert(ctl_tlv_u32(&t, &w));
	cr_assert_eq(w, 0x12345678u);
	cr_assert_str_eq(ctl_tlv_str(&t), "");  /* not NUL-terminated */
	cr_assert_str_eq(ctl_tlv_str(NULL), "");
	cr_assert_not(ctl_tlv_u16(NULL, &u));
	t.kind = CTL_TLV_CONTAINER;
	t.len = 2;
	cr_assert_not(ctl_tlv_u16(&t, &u));
}

/* ---- lazy certificates (CTL_PARSE_LAZY) and no copies (CTL_PARSE_BORROW) -- */

/* Every fixture: the lazy, borrowed parse gives the same structure, points
 * into the caller's bytes, decodes nothing until asked, then the same
 * certificates as the eager parse. */
Test(codec, lazy_borrowed_parse_agrees_with_eager)
{
	const char *const *lists[] = {fx_valid, fx_bad};

	for (size_t l = 0; l < 2; l++)
		for (const char *const *n = lists[l]; *n; n++) {
			size_t len;
			uint8_t *p = fx_read(*n, &len);
			ctl_file *e = parse_ok(p, len, *n), *z = NULL;
			ctl_err err;

			cr_assert_eq(ctl_parse_ex(p, len, CTL_PARSE_LAZY | CTL_PARSE_BORROW, &z, &err),
				     CTL_OK, "%s: %s", *n, err.msg);
			cr_assert_null(z->bytes, "%s: a borrowed parse keeps no copy", *n);
			cr_assert_not_null(e->bytes, "%s: ctl_parse keeps one copy", *n);
			cr_assert_eq(z->nrec, e->nrec);
			for (size_t i = 0; i < z->nrec; i++) {
				const ctl_tlv *t = ctl_rec_find(&z->rec[i], CTL_R_CERTIFICATE);

				cr_assert_not(z->rec[i].cert_tried, "%s rec %zu decoded early", *n, i);
				if (t)
					cr_assert(e->rec[i].cert_tried, "%s rec %zu: eager parse decodes",
						  *n, i);
				if (t)
					cr_assert_eq(t->val, p + t->off + 3, "%s rec %zu: value not in place",
						     *n, i);
				cr_assert_eq(!!ctl_rec_cert(&z->rec[i]), !!ctl_rec_cert(&e->rec[i]));
				if (ctl_rec_cert(&e->rec[i]))
					cr_assert_eq(X509_cmp(ctl_rec_cert(&z->rec[i]),
							      ctl_rec_cert(&e->rec[i])), 0);
				/* Released, then decoded again: the same certificate. */
				ctl_rec_cert_release(&z->rec[i]);
				cr_assert_not(z->rec[i].cert_tried);
				cr_assert_eq(!!ctl_rec_cert(&z->rec[i]), !!ctl_rec_cert(&e->rec[i]));
			}
			assert_roundtrip(p, len, z, *n);
			ctl_free(z);
			ctl_free(e);
			free(p);
		}
}

/* The shape check refuses what is not X.509's layout (a serial that is not
 * an INTEGER, a validity without two times); a record adopts a certificate
 * decoded already when it carries exactly its DER, once. */
Test(codec, lazy_shape_and_adopt)
{
	size_t derlen, r;
	uint8_t *der = fx_cert_der("ccm2.pem", &derlen), *p;
	fx_buf b = {0};
	ctl_file *f = NULL;
	ctl_err e;
	X509 *x = NULL, *mine;
	const uint8_t *q;

	/* Certificate and tbsCertificate headers (long form), version [0]. */
	p = der + 4 + 4;
	cr_assert_eq(p[0], 0xa0, "fixture certificate layout changed");
	p += 2 + p[1];
	cr_assert_eq(p[0], 0x02);
	p[0] = 0x01;
	cr_assert_not(ctl_der_cert_shape(der, derlen, NULL), "a BOOLEAN serial");
	p[0] = 0x02;
	cr_assert(ctl_der_cert_shape(der, derlen, NULL));
	{
		X509 *ok;
		const ASN1_TIME *nb;
		uint8_t *w;

		q = der;
		ok = d2i_X509(NULL, &q, (long)derlen);
		nb = X509_get0_notBefore(ok);
		w = memmem(der, derlen, ASN1_STRING_get0_data(nb), (size_t)ASN1_STRING_length(nb));
		cr_assert_not_null(w);
		w[-2] = 0x13;            /* UTCTime -> PrintableString */
		cr_assert_not(ctl_der_cert_shape(der, derlen, NULL), "validity holds two times");
		w[-2] = 0x17;
		X509_free(ok);
	}
	fx_header(&b, false);
	r = fx_rec_begin(&b);
	fx_tlv_u16(&b, 4, 2);
	fx_tlv(&b, 9, der, derlen);
	fx_rec_end(&b, r);
	cr_assert_eq(ctl_parse_ex(b.p, b.n, CTL_PARSE_LAZY | CTL_PARSE_BORROW, &f, &e), CTL_OK, "%s",
		     e.msg);
	q = der;
	mine = d2i_X509(NULL, &q, (long)derlen);
	cr_assert(ctl_rec_cert_adopt(&f->rec[0], mine));
	cr_assert_eq(ctl_rec_cert(&f->rec[0]), mine, "adopted, not decoded again");
	cr_assert_not(ctl_rec_cert_adopt(&f->rec[0], mine), "adopts once");
	X509_free(mine);
	cr_assert_eq(ctl_rec_cert_get(&f->rec[0], &x, &e), CTL_OK);
	cr_assert_not_null(x);
	ctl_free(f);
	free(der);
	fx_free(&b);
}

/* A record whose certificate has the shape but not the content: lazily
 * parsed, it is refused when decoded, at the CERTIFICATE's offset. */
Test(codec, lazy_certificate_that_does_not_decode)
{
	size_t derlen, r, at;
	uint8_t *der = fx_cert_der("ccm2.pem", &derlen), *alg;
	fx_buf b = {0};
	ctl_file *f = NULL;
	ctl_err e;
	X509 *x = (X509 *)1;
	static const uint8_t sha256rsa[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01};

	/* The outer signatureAlgorithm's OID made an INTEGER of the same
	 * length: the shape (a SEQUENCE) holds, OpenSSL's template does not. */
	alg = der + derlen - sizeof(sha256rsa);
	while (alg > der && memcmp(alg, sha256rsa, sizeof(sha256rsa)))
		alg--;
	cr_assert(alg > der, "no signature algorithm OID found");
	alg[0] = 0x02;
	cr_assert(ctl_der_cert_shape(der, derlen, NULL));
	fx_header(&b, false);
	r = fx_rec_begin(&b);
	fx_tlv_u16(&b, 4, 2);
	at = b.n;
	fx_tlv(&b, 9, der, derlen);
	fx_rec_end(&b, r);
	expect_malformed(b.p, b.n, (long)at, CTL_R_CERTIFICATE, 1, "not exactly one DER", "eager");
	cr_assert_eq(ctl_parse_ex(b.p, b.n, CTL_PARSE_LAZY, &f, &e), CTL_OK, "%s", e.msg);
	cr_assert_null(ctl_rec_cert(&f->rec[0]));
	cr_assert_eq(ctl_rec_cert_get(&f->rec[0], &x, &e), CTL_E_MALFORMED);
	cr_assert_null(x);
	cr_assert_eq(e.offset, (long)at);
	cr_assert_eq(e.tag, CTL_R_CERTIFICATE);
	cr_assert_eq(e.record, 1);
	ctl_free(f);
	free(der);
	fx_free(&b);
}

/* The DER shape: every fixture certificate has it, and its notAfter read
 * from the DER is OpenSSL's; a byte cut anywhere, or one added, breaks it. */
Test(codec, der_cert_shape)
{
	static const char *const certs[] = {"ccm1.pem", "ccm2.pem", "capf.pem", "tvs.pem",
					    "ecdsa.pem", "expired.pem", "signer4096.pem", NULL};

	for (const char *const *c = certs; *c; c++) {
		size_t n;
		uint8_t *der = fx_cert_der(*c, &n), *more = malloc(n + 1);
		const uint8_t *q = der;
		X509 *x = d2i_X509(NULL, &q, (long)n);
		struct tm tm;
		time_t na;

		cr_assert_not_null(x);
		cr_assert(ctl_der_cert_shape(der, n, &na), "%s", *c);
		cr_assert(ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm));
		cr_assert_eq(na, timegm(&tm), "%s: notAfter", *c);
		for (size_t cut = 0; cut < n; cut++)
			cr_assert_not(ctl_der_cert_shape(der, cut, NULL), "%s cut at %zu", *c, cut);
		memcpy(more, der, n);
		more[n] = 0;
		cr_assert_not(ctl_der_cert_shape(more, n + 1, NULL), "%s + 1 byte", *c);
		X509_free(x);
		free(more);
		free(der);
	}
	cr_assert_not(ctl_der_cert_shape(NULL, 0, NULL));
}

/* A record's PUBLICKEY is the certificate's own key bits when they are the
 * key's DER: the same bytes as encoding the key. */
Test(codec, rsa_public_key_bits_are_the_encoding)
{
	static const char *const certs[] = {"ccm1.pem", "ccm2.pem", "signer4096.pem", NULL};

	for (const char *const *c = certs; *c; c++) {
		size_t n;
		uint8_t *der = fx_cert_der(*c, &n), *enc = NULL;
		const uint8_t *q = der;
		X509 *x = d2i_X509(NULL, &q, (long)n);
		const ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(x);
		int len = i2d_PublicKey(X509_get0_pubkey(x), &enc);

		cr_assert_gt(len, 0);
		cr_assert(ctl_der_rsa_pubkey_canonical(ASN1_STRING_get0_data(bits),
						       (size_t)ASN1_STRING_length(bits)), "%s", *c);
		cr_assert_eq(len, ASN1_STRING_length(bits));
		cr_assert_eq(memcmp(enc, ASN1_STRING_get0_data(bits), (size_t)len), 0, "%s", *c);
		/* A padding byte DER forbids: not canonical. */
		{
			uint8_t pad[] = {0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x03};
			uint8_t ok[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x03};
			uint8_t longlen[] = {0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x03};

			cr_assert_not(ctl_der_rsa_pubkey_canonical(pad, sizeof(pad)));
			cr_assert(ctl_der_rsa_pubkey_canonical(ok, sizeof(ok)));
			cr_assert_not(ctl_der_rsa_pubkey_canonical(longlen, sizeof(longlen)));
		}
		OPENSSL_free(enc);
		X509_free(x);
		free(der);
	}
}

/* libFuzzer target for the trust-list codec. Properties checked on every
 * input that parses: ctl_serialize() gives back exactly the input bytes, the
 * result parses again to the same bytes, the signed bytes are the file minus
 * the SIGNATURE TLV, and verification and certificate decoding run to an
 * answer (any answer) without tripping a sanitizer. Inputs that do not parse
 * must come with an error that says where. Builds with clang
 * (-fsanitize=fuzzer) or, with main_replay.c, as a plain corpus replayer. */
#include "ctl.h"
#include "verify.h"

#include <openssl/err.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                              \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "fuzz_ctl: property failed: %s (%s:%d)\n", \
				#c, __FILE__, __LINE__);                      \
			abort();                                              \
		}                                                             \
	} while (0)

/* 2015-05-07, the real CTL's signing time: keeps runs reproducible. */
#define FUZZ_NOW ((time_t)1430968247)

static void check_tlvs(const ctl_tlv *t, size_t n, size_t lo, size_t hi)
{
	for (size_t i = 0; i < n; i++) {
		size_t w = t[i].kind == CTL_TLV_PAD ? 1 : CTL_TLV_HDR;

		CHECK(t[i].off >= lo && t[i].off + w <= hi);
		if (t[i].kind == CTL_TLV_PLAIN) {
			CHECK(t[i].off + CTL_TLV_HDR + t[i].len <= hi);
			CHECK((t[i].len == 0) == (t[i].val == NULL));
		}
		if (i)
			CHECK(t[i].off > t[i - 1].off);
	}
}

static void check_parsed(const uint8_t *data, size_t size, const ctl_file *f)
{
	uint8_t *out = NULL, *again = NULL;
	size_t outlen = 0, againlen = 0;
	ctl_signed tbs;
	ctl_file *f2 = NULL;
	ctl_err err;
	const ctl_tlv *sig;

	CHECK(f->size == size);
	CHECK(f->header_length <= size);
	check_tlvs(f->hdr, f->nhdr, 0, f->header_length);
	for (size_t i = 0; i < f->nrec; i++) {
		const ctl_record *r = &f->rec[i];

		CHECK(r->ntlv >= 1 && r->tlv[0].tag == CTL_R_RECORDLENGTH);
		CHECK(r->off >= f->header_length && r->off + r->len <= size);
		check_tlvs(r->tlv, r->ntlv, r->off, r->off + r->len);
		CHECK(ctl_rec_function(r) >= 0);
		CHECK((ctl_rec_cert(r) != NULL) == (ctl_rec_find(r, CTL_R_CERTIFICATE) != NULL));
	}

	/* Round trip, byte for byte. */
	CHECK(ctl_serialize(f, &out, &outlen, &err) == CTL_OK);
	CHECK(outlen == size);
	CHECK(memcmp(out, data, size) == 0);
	CHECK(ctl_parse(out, outlen, &f2, &err) == CTL_OK);
	CHECK(f2->nhdr == f->nhdr && f2->nrec == f->nrec);
	CHECK(ctl_serialize(f2, &again, &againlen, &err) == CTL_OK);
	CHECK(againlen == size && memcmp(again, data, size) == 0);

	/* Signed bytes: the file with the SIGNATURE TLV cut out. */
	sig = ctl_hdr_find(f, CTL_H_SIGNATURE);
	CHECK(sig != NULL);
	CHECK(ctl_signed_bytes(data, size, f, &tbs, &err) == CTL_OK);
	CHECK(tbs.n[0] + tbs.n[1] == size - CTL_TLV_HDR - sig->len);
	CHECK(tbs.p[0] == data && tbs.n[0] == sig->off);
	CHECK(tbs.p[1] == data + sig->off + CTL_TLV_HDR + sig->len &&
	      tbs.p[1] + tbs.n[1] == data + size);

	/* Verification runs to a verdict; it must not claim "valid" without a
	 * signer. */
	{
		ctl_verify_result res;
		ctl_status st = ctl_verify(data, size, f, NULL, FUZZ_NOW, &res, &err);

		CHECK(st == CTL_OK || st == CTL_E_VERIFY || st == CTL_E_MALFORMED);
		if (st == CTL_OK) {
			CHECK(res.valid && res.signer_record > 0 && res.signer_has_cert == (res.signer_cert != NULL));
			CHECK(ctl_rec_function(&f->rec[res.signer_record - 1]) == CTL_ROLE_SAST);
		} else {
			CHECK(!res.valid && err.msg[0]);
		}
	}

	/* Parsed lazily (as the commands parse), the signer's key is read
	 * from its certificate's DER: the same verdict, for the same reason.
	 * Both parses hold certificates to DER's rules (ctl_der_cert_shape),
	 * so what the eager one takes the lazy one takes. */
	{
		ctl_file *lz = NULL;
		ctl_verify_result a, b;
		ctl_status sa, sb;
		ctl_err e2;

		CHECK(ctl_parse_ex(data, size, CTL_PARSE_LAZY | CTL_PARSE_BORROW, &lz, &e2) == CTL_OK);
		sa = ctl_verify(data, size, f, NULL, FUZZ_NOW, &a, &err);
		sb = ctl_verify(data, size, lz, NULL, FUZZ_NOW, &b, &e2);
		CHECK(sa == sb && a.valid == b.valid && a.signer_record == b.signer_record);
		CHECK(a.signer_not_after == b.signer_not_after && a.signer_bits == b.signer_bits);
		CHECK(strcmp(a.reason, b.reason) == 0 && strcmp(a.warning, b.warning) == 0);
		ctl_free(lz);
	}

	/* Every certificate read from its DER gives what decoding it gives. */
	for (size_t i = 0; i < f->nrec; i++) {
		const ctl_tlv *ct = ctl_rec_find(&f->rec[i], CTL_R_CERTIFICATE);
		ctl_certinfo a, b;

		if (!ct || ctl_certinfo_der(ct->val, ct->len, &b) != CTL_OK)
			continue;
		CHECK(ctl_rec_cert(&f->rec[i]) &&
		      ctl_certinfo_get(ctl_rec_cert(&f->rec[i]), &a, &err) == CTL_OK);
		CHECK(strcmp(a.subject, b.subject) == 0 && strcmp(a.issuer, b.issuer) == 0);
		CHECK(strcmp(a.serial_hex, b.serial_hex) == 0 && a.key_bits == b.key_bits);
		CHECK(a.not_before == b.not_before && a.not_after == b.not_after);
		ctl_certinfo_free(&a);
		ctl_certinfo_free(&b);
	}

	/* The decoded view of every certificate. */
	for (size_t i = 0; i < f->nrec; i++) {
		ctl_certinfo ci;

		if (!ctl_rec_cert(&f->rec[i]))
			continue;
		if (ctl_certinfo_get(ctl_rec_cert(&f->rec[i]), &ci, &err) == CTL_OK) {
			CHECK(ci.subject && ci.issuer);
			ctl_certinfo_free(&ci);
		}
	}
	(void)ctl_kind(f);

	free(again);
	ctl_free(f2);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ctl_file *f = NULL;
	ctl_err err;
	ctl_status st = ctl_parse(data, size, &f, &err);

	if (st == CTL_OK) {
		CHECK(f != NULL);
		check_parsed(data, size, f);
		ctl_free(f);
	} else {
		/* A refusal says where, unless the whole file is refused; past
		 * a limit (records, TLVs in one record or the header) it is
		 * refused as such. */
		CHECK(f == NULL);
		CHECK(st == CTL_E_MALFORMED || (st == CTL_E_REFUSED && strstr(err.msg, "more than")));
		CHECK(err.msg[0] != '\0');
		CHECK(size > CTL_FILE_MAX || (err.offset >= 0 && (size_t)err.offset <= size));
	}
	ERR_clear_error();
	return 0;
}

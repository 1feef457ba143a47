/* Signature verification: every valid fixture verifies with the right signer
 * and digest, every bad one fails with a reason that says why, no single
 * flipped bit ever verifies, and --trust finds signers only where it should. */
#include "ctl.h"
#include "fixtures.h"
#include "verify.h"

#include <criterion/criterion.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The fixtures' TIMESTAMP: 2015-05-07T03:10:47Z. */
#define TS ((time_t)1430968247)

typedef struct loaded_fx {
	uint8_t *p;
	size_t len;
	ctl_file *f;
} loaded_fx;

static loaded_fx load(const char *name)
{
	loaded_fx L;
	ctl_err e;

	L.p = fx_read(name, &L.len);
	cr_assert_eq(ctl_parse(L.p, L.len, &L.f, &e), CTL_OK, "%s: %s", name, e.msg);
	return L;
}

static void unload(loaded_fx *L)
{
	ctl_free(L->f);
	free(L->p);
}

static ctl_status verify(const loaded_fx *L, const ctl_trust *t, time_t now, ctl_verify_result *r,
			 ctl_err *e)
{
	ctl_err_clear(e);
	return ctl_verify(L->p, L->len, L->f, t, now, r, e);
}

/* The same, reading digest codes 3 and 4 the older way when asked. */
static ctl_status verify_legacy(const loaded_fx *L, ctl_verify_result *r, ctl_err *e)
{
	ctl_verify_opts o = {.now = TS, .legacy_digest_codes = true};

	ctl_err_clear(e);
	return ctl_verify_ex(L->p, L->len, L->f, &o, r, e);
}

/* 1-based index of the anchor that verified, 0 for none. */
static int anchor_no(const ctl_trust *t, const ctl_verify_result *r)
{
	return r->anchor ? (int)(r->anchor - t->a) + 1 : 0;
}

TestSuite(verify);

/* ---- valid files ---------------------------------------------------------- */

static const struct {
	const char *name;
	int signer_record;
	int nid;
	unsigned code;
	bool old;
} good[] = {
	{"ctl-cucm-sha1.tlv", 1, NID_sha1, 1, false},
	{"ctl-python-sha256.tlv", 2, NID_sha256, 2, false},
	{"ctl-sha512.tlv", 1, NID_sha512, 3, false},
	{"ctl-old-sha384.tlv", 1, NID_sha384, 3, true},
	{"ctl-old-sha512.tlv", 1, NID_sha512, 4, true},
	{"ctl-blanked.tlv", 1, NID_sha1, 1, false},
	{"ctl-unknown-tags.tlv", 1, NID_sha1, 1, false},
	{"itl.tlv", 1, NID_sha1, 1, false},
	{"ctl-token-oldnames.tlv", 1, NID_sha1, 1, false},
	{"ctl-rsa4096.tlv", 1, NID_sha256, 2, false},
	{"ctl-expired-signer.tlv", 1, NID_sha1, 1, false},
};

Test(verify, every_valid_fixture)
{
	size_t n = sizeof(good) / sizeof(good[0]);

	/* The table covers exactly the fixtures' valid list. */
	for (size_t k = 0; fx_valid[k]; k++) {
		bool found = false;
		for (size_t i = 0; i < n; i++)
			found |= strcmp(good[i].name, fx_valid[k]) == 0;
		cr_assert(found, "%s has no expectation", fx_valid[k]);
	}
	for (size_t i = 0; i < n; i++) {
		loaded_fx L = load(good[i].name);
		ctl_verify_result r;
		ctl_err e;
		ctl_status st = good[i].old ? verify_legacy(&L, &r, &e) : verify(&L, NULL, TS, &r, &e);

		cr_assert_eq(st, CTL_OK, "%s: %s", good[i].name, r.reason);
		cr_assert(r.valid);
		cr_assert(r.signer_found);
		cr_assert_eq(r.signer_record, good[i].signer_record, "%s: signer record %d",
			     good[i].name, r.signer_record);
		cr_assert_null(r.anchor);
		cr_assert_eq(r.digest_nid, good[i].nid, "%s: digest %s", good[i].name,
			     ctl_digest_nid_name(r.digest_nid));
		cr_assert_eq(r.digest_code, good[i].code);
		cr_assert_eq(r.old_numbering, good[i].old, "%s", good[i].name);
		cr_assert_eq(r.note[0] != '\0', good[i].old, "%s: note `%s'", good[i].name, r.note);
		cr_assert_str_empty(r.reason);
		cr_assert_eq(r.signer_cert, ctl_rec_cert(&L.f->rec[good[i].signer_record - 1]));
		cr_assert_eq(ctl_rec_function(&L.f->rec[r.signer_record - 1]), CTL_ROLE_SAST);
		unload(&L);
	}
}

Test(verify, old_numbering_note_names_digest)
{
	loaded_fx L = load("ctl-old-sha384.tlv");
	ctl_verify_result r;
	ctl_err e;

	cr_assert_eq(verify_legacy(&L, &r, &e), CTL_OK);
	cr_assert(strstr(r.note, "SHA-384"), "%s", r.note);
	cr_assert(strstr(r.note, "older numbering"), "%s", r.note);
	unload(&L);
	L = load("ctl-old-sha512.tlv");
	cr_assert_eq(verify_legacy(&L, &r, &e), CTL_OK);
	cr_assert(strstr(r.note, "SHA-512"), "%s", r.note);
	cr_assert(strstr(r.note, "3 for SHA-512"), "%s", r.note);
	unload(&L);
}

/* Code 3 means SHA-512 today: a SHA-384 signature under code 3 is a
 * mismatch unless the older reading is asked for, and the reason says so. */
Test(verify, old_numbering_is_opt_in)
{
	static const char *const names[] = {"ctl-old-sha384.tlv", "ctl-old-sha512.tlv"};

	for (size_t i = 0; i < 2; i++) {
		loaded_fx L = load(names[i]);
		ctl_verify_result r;
		ctl_err e;

		cr_assert_eq(verify(&L, NULL, TS, &r, &e), CTL_E_VERIFY, "%s", names[i]);
		cr_assert_not(r.valid);
		cr_assert(strstr(r.reason, "--legacy-digest-codes"), "%s", r.reason);
		cr_assert(strstr(r.reason, "wrong algorithm"), "%s", r.reason);
		unload(&L);
	}
}

Test(verify, expired_signer_is_valid_but_flagged)
{
	loaded_fx L = load("ctl-expired-signer.tlv");
	ctl_verify_result r;
	ctl_err e;

	cr_assert_eq(verify(&L, NULL, time(NULL), &r, &e), CTL_OK, "%s", r.reason);
	cr_assert(r.valid);
	cr_assert(r.signer_expired);
	cr_assert(r.signer_expired_at_signing, "expired 2001, signed 2015");
	cr_assert_eq(r.signer_not_after, (time_t)978307200);
	/* Seen from before its expiry, it is not expired (but was at signing). */
	cr_assert_eq(verify(&L, NULL, (time_t)978307199, &r, &e), CTL_OK);
	cr_assert_not(r.signer_expired);
	cr_assert(r.signer_expired_at_signing);
	unload(&L);

	L = load("ctl-cucm-sha1.tlv");
	cr_assert_eq(verify(&L, NULL, time(NULL), &r, &e), CTL_OK);
	cr_assert_not(r.signer_expired);
	cr_assert_not(r.signer_expired_at_signing);
	cr_assert_gt(r.signer_not_after, time(NULL));
	unload(&L);
}

/* ---- bad files ------------------------------------------------------------ */

static const struct {
	const char *name;
	bool signer_found;
	const char *why[3];
} bad[] = {
	{"bad-wrong-digest-code.tlv", true,
	 {"DIGESTALGORITHM is 1 (SHA-1)", "names SHA-256", "wrong algorithm"}},
	{"bad-signer-missing.tlv", false, {"is not among the SAST records", "serial", NULL}},
	{"bad-signer-not-sast.tlv", false, {"is not among the SAST records", "CN=ccm1.example.com", NULL}},
	{"bad-wrong-key.tlv", true, {"does not open to a PKCS#1 v1.5 block", NULL, NULL}},
	{"bad-flipped-signature.tlv", true, {"does not open to a PKCS#1 v1.5 block", NULL, NULL}},
	{"bad-flipped-record.tlv", true,
	 {"SHA-1 digest of the signed bytes does not match", "changed after it was signed", NULL}},
};

Test(verify, every_bad_fixture_fails_with_its_reason)
{
	size_t n = sizeof(bad) / sizeof(bad[0]);

	for (size_t k = 0; fx_bad[k]; k++) {
		bool found = false;
		for (size_t i = 0; i < n; i++)
			found |= strcmp(bad[i].name, fx_bad[k]) == 0;
		cr_assert(found, "%s has no expectation", fx_bad[k]);
	}
	for (size_t i = 0; i < n; i++) {
		loaded_fx L = load(bad[i].name);
		ctl_verify_result r;
		ctl_err e;
		ctl_status st = good[i].old ? verify_legacy(&L, &r, &e) : verify(&L, NULL, TS, &r, &e);

		cr_assert_eq(st, CTL_E_VERIFY, "%s: status %d", bad[i].name, st);
		cr_assert_eq(e.status, CTL_E_VERIFY);
		cr_assert_not(r.valid);
		cr_assert_eq(r.signer_record, 0);
		cr_assert_null(r.signer_cert);
		cr_assert_eq(r.signer_found, bad[i].signer_found, "%s", bad[i].name);
		cr_assert_str_eq(e.msg, r.reason);
		for (size_t w = 0; w < 3 && bad[i].why[w]; w++)
			cr_assert(strstr(r.reason, bad[i].why[w]), "%s: reason `%s' lacks `%s'",
				  bad[i].name, r.reason, bad[i].why[w]);
		unload(&L);
	}
}

Test(verify, signer_serial_in_sast_record_with_other_issuer)
{
	/* Change the CANAME's first letter: serial matches record 1, issuer not. */
	loaded_fx L = load("ctl-blanked.tlv");
	long ca = fx_hdr_off(L.p, L.len, CTL_H_CANAME);
	ctl_verify_result r;
	ctl_err e;

	ctl_free(L.f);
	L.p[ca + 3] = 'X';
	cr_assert_eq(ctl_parse(L.p, L.len, &L.f, &e), CTL_OK);
	cr_assert_eq(verify(&L, NULL, TS, &r, &e), CTL_E_VERIFY);
	cr_assert(strstr(r.reason, "matches SAST record 1"), "%s", r.reason);
	cr_assert(strstr(r.reason, "issuer differs"), "%s", r.reason);
	unload(&L);
}

/* Flip every bit of the signature in turn: none may verify. */
static void flip_signature_bits(const char *name, int bits_per_byte)
{
	loaded_fx L = load(name);
	const ctl_tlv *sig = ctl_hdr_find(L.f, CTL_H_SIGNATURE);
	size_t at = sig->off + 3, slen = sig->len;
	int tried = 0;

	ctl_free(L.f);
	for (size_t i = 0; i < slen; i++)
		for (int b = 0; b < bits_per_byte; b++) {
			int bit = bits_per_byte == 8 ? b : (int)(i % 8);
			ctl_file *f;
			ctl_verify_result r;
			ctl_err e;
			ctl_status st;

			L.p[at + i] ^= (uint8_t)(1u << bit);
			cr_assert_eq(ctl_parse(L.p, L.len, &f, &e), CTL_OK);
			st = ctl_verify(L.p, L.len, f, NULL, TS, &r, &e);
			cr_assert_eq(st, CTL_E_VERIFY, "%s: bit %d of signature byte %zu flipped: status %d",
				     name, bit, i, st);
			cr_assert_not(r.valid);
			cr_assert(r.reason[0], "%s: no reason (byte %zu bit %d)", name, i, bit);
			ctl_free(f);
			L.p[at + i] ^= (uint8_t)(1u << bit);
			tried++;
		}
	cr_assert_eq(tried, (int)slen * bits_per_byte);
	/* Restored, it verifies again (the loop really changed one bit at a time). */
	cr_assert_eq(ctl_parse(L.p, L.len, &L.f, &(ctl_err){0}), CTL_OK);
	{
		ctl_verify_result r;
		ctl_err e;
		cr_assert_eq(verify(&L, NULL, TS, &r, &e), CTL_OK);
	}
	unload(&L);
}

Test(verify, every_signature_bit_flipped_rsa1024)
{
	flip_signature_bits("ctl-blanked.tlv", 8);
}

Test(verify, every_signature_byte_flipped_rsa4096)
{
	flip_signature_bits("ctl-rsa4096.tlv", 1);
}

Test(verify, every_signature_byte_flipped_rsa2048_sha512)
{
	flip_signature_bits("ctl-sha512.tlv", 1);
}

/* Any single bit flipped anywhere in a file: it is refused as malformed or
 * fails verification; never valid. */
Test(verify, every_bit_of_a_file_flipped_never_valid)
{
	loaded_fx L = load("ctl-blanked.tlv");
	int malformed = 0, failed = 0;

	ctl_free(L.f);
	L.f = NULL;
	for (size_t i = 0; i < L.len; i++)
		for (int b = 0; b < 8; b++) {
			ctl_file *f;
			ctl_verify_result r;
			ctl_err e;
			ctl_status st;

			L.p[i] ^= (uint8_t)(1u << b);
			st = ctl_parse(L.p, L.len, &f, &e);
			if (st == CTL_OK) {
				st = ctl_verify(L.p, L.len, f, NULL, TS, &r, &e);
				cr_assert_eq(st, CTL_E_VERIFY, "byte %zu bit %d flipped: status %d", i, b, st);
				ctl_free(f);
				failed++;
			} else {
				cr_assert_eq(st, CTL_E_MALFORMED, "byte %zu bit %d: status %d", i, b, st);
				malformed++;
			}
			L.p[i] ^= (uint8_t)(1u << b);
		}
	cr_assert_eq(malformed + failed, (int)L.len * 8);
	cr_assert_gt(malformed, 0);
	cr_assert_gt(failed, (int)L.len * 4, "most flips land in values and must fail verification");
	free(L.p);
}

/* An old-style SAST record: PUBLICKEY but no CERTIFICATE. The verifier falls
 * back to the record's RSAPublicKey. Built from ctl-cucm-sha1 by cutting
 * record 1's CERTIFICATE and re-signing with ccm1.key. */
static uint8_t *resign_without_cert(size_t *outlen)
{
	size_t len, siglen;
	uint8_t *p = fx_read("ctl-cucm-sha1.tlv", &len), *tbs;
	long c = fx_rec_tlv_off(p, len, 0, CTL_R_CERTIFICATE), r = fx_rec_off(p, len, 0);
	size_t cut = 3 + fx_be16(p + c + 1);
	long s;
	char *keypath = fx_path("ccm1.key");
	FILE *fp = fopen(keypath, "r");
	EVP_PKEY *key = fp ? PEM_read_PrivateKey(fp, NULL, NULL, NULL) : NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	fx_buf tb = {0};

	cr_assert(key, "cannot read %s", keypath);
	fclose(fp);
	memmove(p + c, p + c + cut, len - (size_t)c - cut);
	len -= cut;
	{
		unsigned rl = fx_be16(p + r + 3) - (unsigned)cut;
		p[r + 3] = (uint8_t)(rl >> 8);
		p[r + 4] = (uint8_t)rl;
	}
	s = fx_hdr_off(p, len, CTL_H_SIGNATURE);
	siglen = fx_be16(p + s + 1);
	fx_put(&tb, p, (size_t)s);
	fx_put(&tb, p + s + 3 + siglen, len - (size_t)s - 3 - siglen);
	cr_assert_eq(EVP_DigestSignInit(md, NULL, EVP_sha1(), NULL, key), 1);
	cr_assert_eq(EVP_DigestSign(md, NULL, &siglen, tb.p, tb.n), 1);
	cr_assert_eq(siglen, 128);
	tbs = p + s + 3;
	cr_assert_eq(EVP_DigestSign(md, tbs, &siglen, tb.p, tb.n), 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	fx_free(&tb);
	free(keypath);
	*outlen = len;
	return p;
}

Test(verify, signer_record_without_certificate_uses_publickey)
{
	loaded_fx L;
	ctl_verify_result r;
	ctl_err e;

	L.p = resign_without_cert(&L.len);
	cr_assert_eq(ctl_parse(L.p, L.len, &L.f, &e), CTL_OK, "%s", e.msg);
	cr_assert_null(ctl_rec_cert(&L.f->rec[0]));
	cr_assert_eq(L.f->nrec, 5);
	cr_assert_not_null(ctl_rec_find(&L.f->rec[0], CTL_R_PUBLICKEY));
	cr_assert_eq(verify(&L, NULL, TS, &r, &e), CTL_OK, "%s", r.reason);
	cr_assert_eq(r.signer_record, 1);
	cr_assert_eq(r.digest_nid, NID_sha1);
	/* Changed after signing: still caught through the PUBLICKEY. */
	L.p[L.len - 1] ^= 1;
	cr_assert_eq(verify(&L, NULL, TS, &r, &e), CTL_E_VERIFY);
	cr_assert(strstr(r.reason, "does not match"), "%s", r.reason);
	unload(&L);
}

/* ---- trust anchors -------------------------------------------------------- */

static char *tmpfile_with(const void *p, size_t n, const char *suffix)
{
	char *path = malloc(256);
	int fd;
	FILE *fp;

	cr_assert(path);
	snprintf(path, 256, "/tmp/ctlsign-test-trust.XXXXXX%s", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	cr_assert_geq(fd, 0);
	fp = fdopen(fd, "wb");
	cr_assert(fp);
	cr_assert_eq(fwrite(p, 1, n, fp), n);
	fclose(fp);
	return path;
}

static char *concat_pems(const char *const *names)
{
	fx_buf b = {0};
	char *path;

	for (; *names; names++) {
		size_t len;
		uint8_t *p = fx_read(*names, &len);
		fx_put(&b, p, len);
		free(p);
	}
	path = tmpfile_with(b.p, b.n, ".pem");
	fx_free(&b);
	return path;
}

Test(verify, trust_from_another_trust_list)
{
	char *src = fx_path("ctl-cucm-sha1.tlv");
	ctl_trust *t = NULL;
	ctl_err e;
	ctl_verify_result r;
	loaded_fx L;
	X509 *ccm1 = fx_cert("ccm1.pem"), *itlrec = fx_cert("itlrec.pem");

	cr_assert_eq(ctl_trust_load(src, &t, &e), CTL_OK, "%s", e.msg);
	cr_assert(t->from_trust_list);
	cr_assert_str_eq(t->source, src);
	/* Its two SAST records: ccm1 and ITLRECOVERY; not the CCM+TFTP or CAPF ones. */
	cr_assert_eq(t->n, 2);
	cr_assert_eq(X509_cmp(t->a[0].cert, ccm1), 0);
	cr_assert_eq(X509_cmp(t->a[1].cert, itlrec), 0);

	L = load("ctl-blanked.tlv");  /* signed by ccm1 */
	cr_assert_eq(verify(&L, t, TS, &r, &e), CTL_OK, "%s", r.reason);
	cr_assert_eq(anchor_no(t, &r), 1);
	cr_assert_eq(r.signer_record, 1, "the signer is also SAST record 1 of the file");
	cr_assert_eq(r.signer_cert, t->a[0].cert);
	unload(&L);

	L = load("itl.tlv");           /* signed by ITLRECOVERY */
	cr_assert_eq(verify(&L, t, TS, &r, &e), CTL_OK, "%s", r.reason);
	cr_assert_eq(anchor_no(t, &r), 2);
	unload(&L);

	/* Signed by a token the trust list does not hold. */
	L = load("ctl-python-sha256.tlv");
	cr_assert_eq(verify(&L, t, TS, &r, &e), CTL_E_VERIFY);
	cr_assert_not(r.signer_found);
	cr_assert(strstr(r.reason, "not trusted"), "%s", r.reason);
	cr_assert(strstr(r.reason, src), "reason must name the trust source: %s", r.reason);
	cr_assert_str_eq(e.msg, r.reason);
	unload(&L);

	/* With trust, a trusted signature that was then changed still fails. */
	L = load("bad-flipped-record.tlv");
	cr_assert_eq(verify(&L, t, TS, &r, &e), CTL_E_VERIFY);
	cr_assert(r.signer_found);
	cr_assert(strstr(r.reason, "does not match"), "%s", r.reason);
	unload(&L);

	ctl_trust_free(t);
	X509_free(ccm1);
	X509_free(itlrec);
	free(src);
}

Test(verify, trust_ignores_the_files_own_records)
{
	/* ccm2 signed ctl-sha512 and is its SAST record, but trust is only ccm1. */
	static const char *const pems[] = {"ccm1.pem", NULL};
	char *path = concat_pems(pems);
	ctl_trust *t;
	ctl_err e;
	ctl_verify_result r;
	loaded_fx L = load("ctl-sha512.tlv");

	cr_assert_eq(ctl_trust_load(path, &t, &e), CTL_OK, "%s", e.msg);
	cr_assert_eq(verify(&L, t, TS, &r, &e), CTL_E_VERIFY);
	cr_assert(strstr(r.reason, path), "%s", r.reason);
	/* Without trust it verifies by its own record. */
	cr_assert_eq(verify(&L, NULL, TS, &r, &e), CTL_OK);
	unload(&L);
	ctl_trust_free(t);
	unlink(path);
	free(path);
}

Test(verify, trust_from_pem_with_several_certificates)
{
	static const char *const pems[] = {"ccm2.pem", "ccm1.pem", "sast1.pem", NULL};
	char *path = concat_pems(pems);
	ctl_trust *t;
	ctl_err e;
	ctl_verify_result r;
	loaded_fx L;

	cr_assert_eq(ctl_trust_load(path, &t, &e), CTL_OK, "%s", e.msg);
	cr_assert_eq(t->n, 3);
	cr_assert_not(t->from_trust_list);
	L = load("ctl-blanked.tlv");
	cr_assert_eq(verify(&L, t, TS, &r, &e), CTL_OK, "%s", r.reason);
	cr_assert_eq(anchor_no(t, &r), 2);
	unload(&L);
	L = load("ctl-sha512.tlv");
	cr_assert_eq(verify(&L, t, TS, &r, &e), CTL_OK, "%s", r.reason);
	cr_assert_eq(anchor_no(t, &r), 1);
	unload(&L);
	/* The signer need not be a SAST record of the file when trust says so. */
	L = load("bad-signer-not-sast.tlv");
	cr_assert_eq(verify(&L, t, TS, &r, &e), CTL_OK, "%s", r.reason);
	cr_assert_eq(anchor_no(t, &r), 2);
	cr_assert_eq(r.signer_record, 0);
	unload(&L);
	ctl_trust_free(t);
	unlink(path);
	free(path);
}

Test(verify, trust_from_der_certificate)
{
	size_t derlen;
	uint8_t *der = fx_cert_der("ccm1.pem", &derlen);
	char *path = tmpfile_with(der, derlen, ".der");
	ctl_trust *t;
	ctl_err e;
	ctl_verify_result r;
	loaded_fx L = load("ctl-cucm-sha1.tlv");

	cr_assert_eq(ctl_trust_load(path, &t, &e), CTL_OK, "%s", e.msg);
	cr_assert_eq(t->n, 1);
	cr_assert_not(t->from_trust_list);
	cr_assert_eq(verify(&L, t, TS, &r, &e), CTL_OK, "%s", r.reason);
	cr_assert_eq(anchor_no(t, &r), 1);
	unload(&L);
	/* A different signer is not trusted, and the reason names the file. */
	L = load("itl.tlv");
	cr_assert_eq(verify(&L, t, TS, &r, &e), CTL_E_VERIFY);
	cr_assert(strstr(r.reason, path), "%s", r.reason);
	unload(&L);
	ctl_trust_free(t);
	unlink(path);
	free(path);
	free(der);
}

Test(verify, trust_load_refusals)
{
	ctl_trust *t = (ctl_trust *)1;
	ctl_err e;
	char *p;

	/* A trust list without any SAST record. */
	p = fx_path("bad-signer-not-sast.tlv");
	cr_assert_neq(ctl_trust_load(p, &t, &e), CTL_OK);
	cr_assert_null(t);
	cr_assert(strstr(e.msg, "no SAST"), "%s", e.msg);
	free(p);
	/* Only blanked records besides... ctl-blanked has one SAST: accepted. */
	p = fx_path("ctl-blanked.tlv");
	cr_assert_eq(ctl_trust_load(p, &t, &e), CTL_OK);
	cr_assert_eq(t->n, 1);
	ctl_trust_free(t);
	free(p);
	/* A missing file. */
	cr_assert_eq(ctl_trust_load("/nonexistent/trust.pem", &t, &e), CTL_E_IO);
	cr_assert_null(t);
	/* A PEM file without a certificate. */
	{
		static const char junk[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
		char *path = tmpfile_with(junk, sizeof(junk) - 1, ".pem");
		cr_assert_eq(ctl_trust_load(path, &t, &e), CTL_E_MALFORMED);
		cr_assert(strstr(e.msg, "no readable certificate"), "%s", e.msg);
		unlink(path);
		free(path);
	}
	/* Neither certificate nor trust list. */
	{
		static const char junk[] = "hello, world";
		char *path = tmpfile_with(junk, sizeof(junk) - 1, ".bin");
		cr_assert_eq(ctl_trust_load(path, &t, &e), CTL_E_MALFORMED);
		cr_assert(e.msg[0]);
		unlink(path);
		free(path);
	}
	/* A private key is not a certificate. */
	p = fx_path("ccm1.key");
	cr_assert_neq(ctl_trust_load(p, &t, &e), CTL_OK);
	cr_assert_null(t);
	free(p);
}

/* An eToken-signed list with old-style (lower-case, quoted) names in its
 * header: verified against itself as --trust, and against the token's own
 * certificate, the signer must still be found (the CANAME never equals the
 * certificate issuer written the CUCM way). */
Test(verify, trust_with_old_style_names)
{
	static const char *const pems[] = {"sast1.pem", NULL};
	char *src = fx_path("ctl-token-oldnames.tlv"), *pem = concat_pems(pems);
	ctl_trust *t;
	ctl_err e;
	ctl_verify_result r;
	loaded_fx L = load("ctl-token-oldnames.tlv");

	cr_assert_eq(ctl_trust_load(src, &t, &e), CTL_OK, "%s", e.msg);
	cr_assert_eq(t->n, 2);
	cr_assert_eq(verify(&L, t, TS, &r, &e), CTL_OK, "%s", r.reason);
	cr_assert_eq(anchor_no(t, &r), 1);
	cr_assert_eq(r.signer_record, 1);
	ctl_trust_free(t);
	cr_assert_eq(ctl_trust_load(pem, &t, &e), CTL_OK, "%s", e.msg);
	cr_assert_eq(verify(&L, t, TS, &r, &e), CTL_OK, "%s", r.reason);
	cr_assert_eq(anchor_no(t, &r), 1);
	ctl_trust_free(t);
	/* Loose matching is about case and quotes only: another issuer name is
	 * still another issuer. */
	{
		long ca = fx_hdr_off(L.p, L.len, CTL_H_CANAME);
		ctl_free(L.f);
		L.p[ca + 3 + 4] ^= 0x01;   /* "cn=Cisco..." -> "cn=Cisbo..." */
		cr_assert_eq(ctl_parse(L.p, L.len, &L.f, &e), CTL_OK);
		cr_assert_eq(ctl_trust_load(pem, &t, &e), CTL_OK);
		cr_assert_eq(verify(&L, t, TS, &r, &e), CTL_E_VERIFY);
		cr_assert_not(r.signer_found);
		ctl_trust_free(t);
	}
	unload(&L);
	unlink(pem);
	free(pem);
	free(src);
}

Test(verify, digest_names_and_codes)
{
	cr_assert_str_eq(ctl_digest_code_name(1), "SHA-1");
	cr_assert_str_eq(ctl_digest_code_name(2), "SHA-256");
	cr_assert_str_eq(ctl_digest_code_name(3), "SHA-512");
	cr_assert_null(ctl_digest_code_name(4));
	cr_assert_null(ctl_digest_code_name(0));
	cr_assert_eq(ctl_digest_md(2), EVP_sha256());
	cr_assert_null(ctl_digest_md(9));
	cr_assert_str_eq(ctl_digest_nid_name(NID_sha384), "SHA-384");
}

/* ---- the signer's key read from the DER ------------------------------------ */

/* A lazily parsed list (what the commands parse) verifies by reading its
 * signer's key from the certificate's DER, decoding no certificate; every
 * answer is the one the eagerly parsed list (each certificate decoded) gives,
 * and the signer's certificate and facts are there when asked for. */
static void lazy_agrees(const char *name, uint8_t *p, size_t len, bool legacy)
{
	ctl_file *eager, *lazy;
	ctl_verify_result a, b;
	ctl_verify_opts o = {.now = TS, .legacy_digest_codes = legacy};
	ctl_status sa, sb;
	ctl_err e;

	cr_assert_eq(ctl_parse(p, len, &eager, &e), CTL_OK, "%s: %s", name, e.msg);
	cr_assert_eq(ctl_parse_ex(p, len, CTL_PARSE_LAZY | CTL_PARSE_BORROW, &lazy, &e), CTL_OK,
		     "%s: %s", name, e.msg);
	sa = ctl_verify_ex(p, len, eager, &o, &a, &e);
	sb = ctl_verify_ex(p, len, lazy, &o, &b, &e);
	cr_assert_eq(sb, sa, "%s: status", name);
	cr_assert_eq(b.valid, a.valid, "%s", name);
	cr_assert_eq(b.signer_found, a.signer_found, "%s", name);
	cr_assert_eq(b.signer_record, a.signer_record, "%s", name);
	cr_assert_eq(b.signer_bits, a.signer_bits, "%s", name);
	cr_assert_eq(b.signer_has_cert, a.signer_has_cert, "%s", name);
	cr_assert_eq(b.digest_nid, a.digest_nid, "%s", name);
	cr_assert_eq(b.signer_not_after, a.signer_not_after, "%s", name);
	cr_assert_eq(b.signer_expired, a.signer_expired, "%s", name);
	cr_assert_eq(b.signer_expired_at_signing, a.signer_expired_at_signing, "%s", name);
	cr_assert_str_eq(b.reason, a.reason, "%s", name);
	cr_assert_str_eq(b.warning, a.warning, "%s", name);
	cr_assert_str_eq(b.note, a.note, "%s", name);
	for (size_t i = 0; i < lazy->nrec; i++)
		cr_assert_not(lazy->rec[i].cert_tried, "%s: record %zu decoded", name, i + 1);
	if (a.valid && a.signer_has_cert) {
		const ctl_record *r = &lazy->rec[b.signer_record - 1];
		ctl_certinfo ca, cb;

		cr_assert_null(b.signer_cert, "%s: not decoded by verify", name);
		cr_assert_eq(ctl_verify_signer_info(&b, lazy, &cb), CTL_OK, "%s", name);
		cr_assert_not(r->cert_tried, "%s: the facts come from the DER", name);
		cr_assert_eq(ctl_verify_signer_info(&a, eager, &ca), CTL_OK, "%s", name);
		cr_assert_str_eq(cb.subject, ca.subject, "%s", name);
		cr_assert_str_eq(cb.serial_hex, ca.serial_hex, "%s", name);
		cr_assert_eq(cb.not_after, ca.not_after, "%s", name);
		ctl_certinfo_free(&ca);
		ctl_certinfo_free(&cb);
		cr_assert_not_null(ctl_verify_signer_cert(&b, lazy), "%s", name);
		cr_assert_eq(b.signer_cert, r->cert_cache, "%s: the record's, kept", name);
		cr_assert_eq(ctl_verify_signer_cert(&b, lazy), b.signer_cert);
		cr_assert_eq(X509_cmp(b.signer_cert, a.signer_cert), 0, "%s", name);
	}
	ctl_free(lazy);
	ctl_free(eager);
}

Test(verify, lazy_parse_reads_the_signer_from_der)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t len;
		uint8_t *p = fx_read(good[i].name, &len);

		lazy_agrees(good[i].name, p, len, good[i].old);
		free(p);
	}
	for (size_t i = 0; fx_bad[i]; i++) {
		size_t len;
		uint8_t *p = fx_read(fx_bad[i], &len);

		lazy_agrees(fx_bad[i], p, len, false);
		free(p);
	}
}

/* A signer record whose SERIALNUMBER or PUBLICKEY disagrees with its own
 * certificate is refused the same way, with the same words, either way. */
Test(verify, lazy_parse_inconsistent_signer_record)
{
	size_t len;
	uint8_t *p = fx_read("ctl-cucm-sha1.tlv", &len);
	ctl_file *f;
	ctl_err e;
	const ctl_tlv *pk, *ct;
	size_t off;
	uint8_t *q;

	/* Borrowed: the values point into p, so offsets into it. */
	cr_assert_eq(ctl_parse_ex(p, len, CTL_PARSE_BORROW, &f, &e), CTL_OK, "%s", e.msg);
	pk = ctl_rec_find(&f->rec[0], CTL_R_PUBLICKEY);
	ct = ctl_rec_find(&f->rec[0], CTL_R_CERTIFICATE);
	cr_assert_not_null(pk, "the signer record carries PUBLICKEY");
	cr_assert_not_null(ct);
	/* PUBLICKEY's modulus changed: another key. */
	off = (size_t)(pk->val - p) + pk->len - 8;
	q = malloc(len);
	cr_assert(q);
	memcpy(q, p, len);
	q[off] ^= 0x10;
	lazy_agrees("PUBLICKEY changed", q, len, false);
	{
		ctl_file *g;
		ctl_verify_result r;

		cr_assert_eq(ctl_parse_ex(q, len, CTL_PARSE_LAZY, &g, &e), CTL_OK);
		cr_assert_eq(ctl_verify(q, len, g, NULL, TS, &r, &e), CTL_E_VERIFY);
		cr_assert(strstr(r.reason, "its PUBLICKEY is not its CERTIFICATE's key"), "%s",
			  r.reason);
		ctl_free(g);
	}
	/* The certificate's serial changed (its last byte): the record's
	 * SERIALNUMBER no longer names it. */
	memcpy(q, p, len);
	{
		ctl_cert_der cd;
		ctl_file *g;
		ctl_verify_result r;

		cr_assert(ctl_der_cert_read(ct->val, ct->len, &cd));
		q[(size_t)(cd.serial.p - p) + cd.serial.n - 1] ^= 0x01;
		lazy_agrees("certificate serial changed", q, len, false);
		cr_assert_eq(ctl_parse_ex(q, len, CTL_PARSE_LAZY, &g, &e), CTL_OK);
		cr_assert_eq(ctl_verify(q, len, g, NULL, TS, &r, &e), CTL_E_VERIFY);
		cr_assert(strstr(r.reason, "its SERIALNUMBER is not its CERTIFICATE's serial"), "%s",
			  r.reason);
		ctl_free(g);
	}
	free(q);
	ctl_free(f);
	free(p);
}

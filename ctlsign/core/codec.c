/* Total parser and byte-exact serializer for CTL/ITL trust lists. */
#include "ctl.h"

#include <openssl/err.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static unsigned be16(const uint8_t *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

void ctl_free(ctl_file *f)
{
	if (!f)
		return;
	free(f->hdr);
	for (size_t i = 0; i < f->nrec; i++)
		X509_free(f->rec[i].cert_cache);
	free(f->rec_tlv);
	free(f->rec);
	free(f->bytes);
	free(f);
}

/* Append a TLV to a growable array; NULL when out of memory or when the
 * header already holds CTL_TLVS_MAX (*full set). */
static ctl_tlv *tlv_push(ctl_tlv **arr, size_t *n, size_t *cap, bool *full)
{
	if (*n == CTL_TLVS_MAX) {
		*full = true;
		return NULL;
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		ctl_tlv *p = realloc(*arr, nc * sizeof(*p));
		if (!p)
			return NULL;
		*arr = p;
		*cap = nc;
	}
	memset(&(*arr)[*n], 0, sizeof(ctl_tlv));
	return &(*arr)[(*n)++];
}

static bool is_container(unsigned tag)
{
	return tag == CTL_H_SIGNERID || tag == CTL_H_SIGNATUREINFO ||
	       tag == CTL_H_SIGNATUREALGOINFO;
}

/* Which container a known header tag must sit in (0: top level, -1: unknown tag). */
static int header_parent(unsigned tag)
{
	switch (tag) {
	case CTL_H_SIGNERNAME:
	case CTL_H_SERIALNUMBER:
	case CTL_H_CANAME:
		return CTL_H_SIGNERID;
	case CTL_H_DIGESTALGORITHM:
	case CTL_H_SIGNATUREALGOINFO:
		return CTL_H_SIGNATUREINFO;
	case CTL_H_SIGNATUREALGORITHM:
	case CTL_H_SIGNATUREMODULUS:
		return CTL_H_SIGNATUREALGOINFO;
	case CTL_H_VERSION:
	case CTL_H_HEADERLENGTH:
	case CTL_H_SIGNERID:
	case CTL_H_SIGNATUREINFO:
	case CTL_H_SIGNATURE:
	case CTL_H_FILENAME:
	case CTL_H_TIMESTAMP:
	case CTL_H_SIGNERVERSION:
		return 0;
	default:
		return -1;
	}
}

/* Fixed value sizes (-1: variable, -2: NUL-terminated string, -3: at least one byte). */
static int header_size(unsigned tag)
{
	switch (tag) {
	case CTL_H_VERSION:
	case CTL_H_HEADERLENGTH:
	case CTL_H_SIGNERVERSION:
		return 2;
	case CTL_H_DIGESTALGORITHM:
	case CTL_H_SIGNATUREALGORITHM:
	case CTL_H_SIGNATUREMODULUS:
		return 1;
	case CTL_H_TIMESTAMP:
		return 4;
	case CTL_H_SIGNERNAME:
	case CTL_H_CANAME:
	case CTL_H_FILENAME:
		return -2;
	case CTL_H_SERIALNUMBER:
	case CTL_H_SIGNATURE:
		return -3;
	default:
		return -1;
	}
}

static int record_size(unsigned tag)
{
	switch (tag) {
	case CTL_R_RECORDLENGTH:
	case CTL_R_FUNCTION:
		return 2;
	case CTL_R_IPADDRESS:
		return 4;
	case CTL_R_DNSNAME:
	case CTL_R_SUBJECTNAME:
	case CTL_R_ISSUERNAME:
		return -2;
	case CTL_R_SERIALNUMBER:
	case CTL_R_PUBLICKEY:
	case CTL_R_SIGNATURE:
	case CTL_R_CERTIFICATE:
		return -3;
	default:
		return -1;
	}
}

/* Check a value against its expected size class; fills err on failure. */
static ctl_status check_value(int want, const uint8_t *v, unsigned len, long off,
			      unsigned tag, int record, const char *name, ctl_err *err)
{
	if (want >= 0 && len != (unsigned)want)
		return ctl_err_set(err, CTL_E_MALFORMED, off, (int)tag, record,
				   "%s has length %u, expected %d", name, len, want);
	if (want == -3 && len == 0)
		return ctl_err_set(err, CTL_E_MALFORMED, off, (int)tag, record,
				   "%s is empty", name);
	if (want == -2) {
		if (len == 0 || v[len - 1] != 0)
			return ctl_err_set(err, CTL_E_MALFORMED, off, (int)tag, record,
					   "%s (length %u) is not a NUL-terminated string",
					   name, len);
		if (memchr(v, 0, len - 1))
			return ctl_err_set(err, CTL_E_MALFORMED, off, (int)tag, record,
					   "%s (length %u) holds a NUL byte before its end",
					   name, len);
	}
	return CTL_OK;
}

static const char *hname(unsigned tag)
{
	const char *n = ctl_header_tag_name(tag);
	return n ? n : "unknown tag";
}

static const char *rname(unsigned tag)
{
	const char *n = ctl_record_tag_name(tag);
	return n ? n : "unknown tag";
}

struct open_container {
	unsigned tag;
	size_t start;
	size_t end;
};

static ctl_status parse_header(const uint8_t *buf, size_t len, ctl_file *f, ctl_err *err)
{
	size_t off = 0, cap = 0, hdrlen = 0;
	struct open_container stack[3] = {{0}};
	int depth = 0;
	bool pad = false, full = false;
	unsigned char seen[CTL_TAG_MAX + 1] = {0};

	for (;;) {
		size_t limit = hdrlen ? hdrlen : len;

		while (depth > 0 && stack[depth - 1].end == off)
			depth--;
		if (hdrlen && off == hdrlen)
			break;
		if (off >= limit) {
			if (!hdrlen)
				return ctl_err_set(err, CTL_E_MALFORMED, (long)off, -1, 0,
						   len == 0 ? "file is empty"
							    : "header ends at end of file without HEADERLENGTH (tag 2)");
			return ctl_err_set(err, CTL_E_MALFORMED, (long)off, -1, 0,
					   "header overruns HEADERLENGTH %zu", hdrlen);
		}
		unsigned tag = buf[off];
		ctl_tlv *t;

		if (tag == CTL_H_PADDING) {
			if (depth > 0)
				return ctl_err_set(err, CTL_E_MALFORMED, (long)off, (int)tag, 0,
						   "padding byte inside container tag %u (%s) that ends at byte %zu",
						   stack[depth - 1].tag, hname(stack[depth - 1].tag),
						   stack[depth - 1].end);
			if (!hdrlen)
				return ctl_err_set(err, CTL_E_MALFORMED, (long)off, (int)tag, 0,
						   "padding before HEADERLENGTH (tag 2)");
			pad = true;
			if (!(t = tlv_push(&f->hdr, &f->nhdr, &cap, &full)))
				goto oom;
			t->off = off;
			t->tag = (uint8_t)tag;
			t->kind = CTL_TLV_PAD;
			off++;
			continue;
		}
		if (pad)
			return ctl_err_set(err, CTL_E_MALFORMED, (long)off, (int)tag, 0,
					   "tag %u after header padding: only 0x0D may follow padding up to HEADERLENGTH %zu",
					   tag, hdrlen);
		if (limit - off < CTL_TLV_HDR)
			return ctl_err_set(err, CTL_E_MALFORMED, (long)off, (int)tag, 0,
					   "%s (tag %u) needs 3 bytes of tag and length, only %zu remain before %s",
					   hname(tag), tag, limit - off,
					   hdrlen ? "end of header" : "end of file");
		unsigned l = be16(buf + off + 1);
		size_t end = off + CTL_TLV_HDR + l;
		int parent = header_parent(tag);
		unsigned cur = depth ? stack[depth - 1].tag : 0;

		if (end > limit)
			return ctl_err_set(err, CTL_E_MALFORMED, (long)off, (int)tag, 0,
					   "%s length %u runs past %s at byte %zu",
					   hname(tag), l, hdrlen ? "end of header" : "end of file", limit);
		if (depth > 0 && end > stack[depth - 1].end)
			return ctl_err_set(err, CTL_E_MALFORMED, (long)off, (int)tag, 0,
					   "%s length %u runs past the end of container %s (tag %u) at byte %zu",
					   hname(tag), l, hname(cur), cur, stack[depth - 1].end);
		if (parent >= 0 && (unsigned)parent != cur) {
			if (parent == 0)
				return ctl_err_set(err, CTL_E_MALFORMED, (long)off, (int)tag, 0,
						   "%s (tag %u) inside container %s (tag %u); it belongs at the top of the header",
						   hname(tag), tag, hname(cur), cur);
			return ctl_err_set(err, CTL_E_MALFORMED, (long)off, (int)tag, 0,
					   "%s (tag %u) outside its container %s (tag %u)",
					   hname(tag), tag, hname((unsigned)parent), (unsigned)parent);
		}
		if (parent >= 0 && seen[tag])
			return ctl_err_set(err, CTL_E_MALFORMED, (long)off, (int)tag, 0,
					   "duplicate %s (tag %u)", hname(tag), tag);
		seen[tag] = 1;
		if (!(t = tlv_push(&f->hdr, &f->nhdr, &cap, &full)))
			goto oom;
		t->off = off;
		t->tag = (uint8_t)tag;
		t->len = (uint16_t)l;
		t->depth = (uint8_t)depth;
		if (is_container(tag)) {
			t->kind = CTL_TLV_CONTAINER;
			stack[depth].tag = tag;
			stack[depth].start = off;
			stack[depth].end = end;
			depth++;
			off += CTL_TLV_HDR;
			continue;
		}
		t->kind = CTL_TLV_PLAIN;
		if (check_value(header_size(tag), buf + off + 3, l, (long)off, tag, 0,
				hname(tag), err))
			return err->status;
		if (l)
			t->val = buf + off + 3;
		if (tag == CTL_H_HEADERLENGTH) {
			hdrlen = be16(t->val);
			if (hdrlen < end)
				return ctl_err_set(err, CTL_E_MALFORMED, (long)off, (int)tag, 0,
						   "HEADERLENGTH %zu ends before the header TLVs already read (byte %zu)",
						   hdrlen, end);
			if (hdrlen > len)
				return ctl_err_set(err, CTL_E_MALFORMED, (long)off, (int)tag, 0,
						   "HEADERLENGTH %zu runs past end of file (%zu bytes)",
						   hdrlen, len);
			if (depth > 0 && stack[0].end > hdrlen)
				return ctl_err_set(err, CTL_E_MALFORMED, (long)off, (int)tag, 0,
						   "container at byte %zu runs past HEADERLENGTH %zu",
						   stack[0].start, hdrlen);
		}
		off = end;
	}
	if (depth > 0)
		return ctl_err_set(err, CTL_E_MALFORMED, (long)stack[depth - 1].start,
				   (int)stack[depth - 1].tag, 0,
				   "container %s claims %zu bytes past the end of the header",
				   hname(stack[depth - 1].tag),
				   stack[depth - 1].end - hdrlen);
	f->header_length = (uint16_t)hdrlen;

	static const unsigned required[] = {
		CTL_H_VERSION, CTL_H_SIGNERID, CTL_H_SIGNERNAME, CTL_H_SERIALNUMBER,
		CTL_H_CANAME, CTL_H_SIGNATUREINFO, CTL_H_DIGESTALGORITHM,
		CTL_H_SIGNATUREALGOINFO, CTL_H_SIGNATUREALGORITHM,
		CTL_H_SIGNATUREMODULUS, CTL_H_SIGNATURE, CTL_H_FILENAME,
		CTL_H_TIMESTAMP,
	};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!seen[required[i]])
			return ctl_err_set(err, CTL_E_MALFORMED, (long)hdrlen, (int)required[i], 0,
					   "header has no %s (tag %u)", hname(required[i]),
					   required[i]);

	const ctl_tlv *mod = ctl_hdr_find(f, CTL_H_SIGNATUREMODULUS);
	const ctl_tlv *sig = ctl_hdr_find(f, CTL_H_SIGNATURE);
	if (mod->val[0] >= CTL_MODULUS_COUNT)
		return ctl_err_set(err, CTL_E_MALFORMED, (long)mod->off, CTL_H_SIGNATUREMODULUS, 0,
				   "SIGNATUREMODULUS %u is not one of 0-3 (512/1024/2048/4096-bit)",
				   mod->val[0]);
	if (sig->len != ctl_modulus_bytes[mod->val[0]])
		return ctl_err_set(err, CTL_E_MALFORMED, (long)sig->off, CTL_H_SIGNATURE, 0,
				   "SIGNATURE is %u bytes but SIGNATUREMODULUS %u says %u",
				   sig->len, mod->val[0], ctl_modulus_bytes[mod->val[0]]);
	return CTL_OK;
oom:
	if (full)
		return ctl_err_set(err, CTL_E_REFUSED, (long)off, (int)buf[off], 0,
				   "more than %u TLVs in the header: headers hold about fifteen; "
				   "not read further", CTL_TLVS_MAX);
	return ctl_err_set(err, CTL_E_INTERNAL, (long)off, -1, 0, "out of memory");
}

X509 *ctl_der_cert(const uint8_t *p, size_t len)
{
	const unsigned char *q = p;
	X509 *x;

	if (len > LONG_MAX)
		return NULL;
	x = d2i_X509(NULL, &q, (long)len);
	if (x && q != p + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

ctl_status ctl_rec_cert_get(const ctl_record *r, X509 **out, ctl_err *err)
{
	/* The decoded form is a cache, not part of the record's value: filled
	 * through a const reader. */
	ctl_record *w = (ctl_record *)r;
	const ctl_tlv *t = ctl_rec_find(r, CTL_R_CERTIFICATE);

	*out = NULL;
	if (!t)
		return CTL_OK;
	if (!r->cert_tried) {
		w->cert_tried = true;
		w->cert_cache = ctl_der_cert(t->val, t->len);
		ERR_clear_error();
	}
	if (!(*out = r->cert_cache))
		return ctl_err_set(err, CTL_E_MALFORMED, (long)t->off, CTL_R_CERTIFICATE, r->idx,
				   "CERTIFICATE (%u bytes) is not exactly one DER X.509 certificate",
				   t->len);
	return CTL_OK;
}

bool ctl_cert_der_is(X509 *x, const uint8_t *der, size_t len)
{
	unsigned char *mine = NULL;
	int n = x ? i2d_X509(x, &mine) : -1;
	bool same = n > 0 && (size_t)n == len && !memcmp(mine, der, len);

	OPENSSL_free(mine);
	return same;
}

bool ctl_rec_cert_adopt(ctl_record *r, X509 *x)
{
	const ctl_tlv *t = ctl_rec_find(r, CTL_R_CERTIFICATE);

	if (!t || !x || r->cert_tried || !ctl_cert_der_is(x, t->val, t->len) || !X509_up_ref(x))
		return false;
	r->cert_cache = x;
	r->cert_tried = true;
	return true;
}

void ctl_rec_cert_release(ctl_record *r)
{
	X509_free(r->cert_cache);
	r->cert_cache = NULL;
	r->cert_tried = false;
}

X509 *ctl_rec_cert(const ctl_record *r)
{
	X509 *x;

	ctl_rec_cert_get(r, &x, NULL);
	return x;
}

/* How many records and record TLVs the records section frames: walked with
 * parse_record's own framing rules (so that the parse never needs more),
 * to allocate each array once. Stops where those rules stop. */
static void count_records(const uint8_t *buf, size_t len, size_t off, size_t *nrec,
			  size_t *ntlv)
{
	*nrec = *ntlv = 0;
	while (off < len && *nrec < CTL_RECORDS_MAX) {
		size_t rl, end, p, k;

		++*nrec;
		if (len - off < 5 || buf[off] != CTL_R_RECORDLENGTH || be16(buf + off + 1) != 2 ||
		    (rl = be16(buf + off + 3)) < 5 || rl > len - off)
			return;
		/* At most CTL_TLVS_MAX a record: the parse refuses the next. */
		for (end = off + rl, p = off, k = 0; p < end && k < CTL_TLVS_MAX &&
						     end - p >= CTL_TLV_HDR &&
						     be16(buf + p + 1) <= end - p - CTL_TLV_HDR;
		     p += CTL_TLV_HDR + be16(buf + p + 1), k++)
			++*ntlv;
		off = end;
	}
	if (off < len)
		++*nrec;   /* the one refused as one too many */
}

/* tlv: room counted by count_records for this record's TLVs. */
static ctl_status parse_record(const uint8_t *buf, size_t len, size_t off, int idx,
			       bool lazy, ctl_tlv *tlv, ctl_record *r, ctl_err *err)
{
	size_t end, p;
	unsigned char seen[CTL_TAG_MAX + 1] = {0};
	X509 *x;

	r->off = off;
	r->idx = idx;
	r->tlv = tlv;
	if (len - off < 5)
		return ctl_err_set(err, CTL_E_MALFORMED, (long)off, buf[off], idx,
				   "truncated record: RECORDLENGTH needs 5 bytes, only %zu remain",
				   len - off);
	if (buf[off] != CTL_R_RECORDLENGTH || be16(buf + off + 1) != 2)
		return ctl_err_set(err, CTL_E_MALFORMED, (long)off, buf[off], idx,
				   "record does not start with RECORDLENGTH (tag 1, length 2)");
	r->len = (uint16_t)be16(buf + off + 3);
	if (r->len < 5)
		return ctl_err_set(err, CTL_E_MALFORMED, (long)off, CTL_R_RECORDLENGTH, idx,
				   "RECORDLENGTH %u is smaller than its own 5-byte TLV", r->len);
	if (r->len > len - off)
		return ctl_err_set(err, CTL_E_MALFORMED, (long)off, CTL_R_RECORDLENGTH, idx,
				   "length %u runs past end of file (%zu bytes remain)",
				   r->len, len - off);
	end = off + r->len;
	for (p = off; p < end;) {
		unsigned tag = buf[p], l;
		ctl_tlv *t;

		if (end - p < CTL_TLV_HDR)
			return ctl_err_set(err, CTL_E_MALFORMED, (long)p, (int)tag, idx,
					   "%s needs 3 bytes of tag and length, only %zu remain in the record (RECORDLENGTH %u)",
					   rname(tag), end - p, r->len);
		l = be16(buf + p + 1);
		if (l > end - p - CTL_TLV_HDR)
			return ctl_err_set(err, CTL_E_MALFORMED, (long)p, (int)tag, idx,
					   "%s length %u runs past the end of the record at byte %zu (RECORDLENGTH %u)",
					   rname(tag), l, end, r->len);
		if (ctl_record_tag_name(tag) && seen[tag])
			return ctl_err_set(err, CTL_E_MALFORMED, (long)p, (int)tag, idx,
					   "duplicate %s (tag %u)", rname(tag), tag);
		seen[tag] = 1;
		if (check_value(record_size(tag), buf + p + 3, l, (long)p, tag, idx,
				rname(tag), err))
			return err->status;
		if (r->ntlv == CTL_TLVS_MAX)
			return ctl_err_set(err, CTL_E_REFUSED, (long)p, (int)tag, idx,
					   "more than %u TLVs in one record: records hold a "
					   "dozen; not read further", CTL_TLVS_MAX);
		t = &r->tlv[r->ntlv++];
		t->off = p;
		t->tag = (uint8_t)tag;
		t->kind = CTL_TLV_PLAIN;
		t->depth = 0;
		t->len = (uint16_t)l;
		t->val = l ? buf + p + 3 : NULL;
		/* DER's rules for both parses, so that no command takes a
		 * certificate another refuses (OpenSSL alone tolerates some BER,
		 * such as a SEQUENCE tagged primitive); the eager parse then
		 * decodes it too. */
		if (tag == CTL_R_CERTIFICATE && !ctl_der_cert_shape(t->val, l, NULL))
			return ctl_err_set(err, CTL_E_MALFORMED, (long)p, (int)tag, idx,
					   "CERTIFICATE (%u bytes) is not exactly one DER X.509 certificate",
					   l);
		if (tag == CTL_R_CERTIFICATE && !lazy && ctl_rec_cert_get(r, &x, err))
			return err->status;
		p += CTL_TLV_HDR + l;
	}
	if (!seen[CTL_R_FUNCTION])
		return ctl_err_set(err, CTL_E_MALFORMED, (long)off, CTL_R_FUNCTION, idx,
				   "record has no FUNCTION (tag 4)");
	return CTL_OK;
}

ctl_status ctl_parse(const uint8_t *buf, size_t len, ctl_file **out, ctl_err *err)
{
	return ctl_parse_ex(buf, len, 0, out, err);
}

ctl_status ctl_parse_ex(const uint8_t *buf, size_t len, unsigned flags, ctl_file **out,
			ctl_err *err)
{
	ctl_file *f;
	size_t off, nrec, ntlv, used = 0;

	*out = NULL;
	ctl_err_clear(err);
	if (len > CTL_FILE_MAX)
		return ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
				   "%zu bytes is larger than any trust list can be (limit %u)",
				   len, CTL_FILE_MAX);
	if (!(f = calloc(1, sizeof(*f))))
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	f->size = len;
	if (!(flags & CTL_PARSE_BORROW)) {
		if (!(f->bytes = malloc(len ? len : 1))) {
			free(f);
			return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		}
		if (len)
			memcpy(f->bytes, buf, len);
		buf = f->bytes;
	}
	if (parse_header(buf, len, f, err))
		goto fail;
	/* Records and their TLVs in two arrays, each allocated once. */
	count_records(buf, len, f->header_length, &nrec, &ntlv);
	if (!(f->rec = malloc((nrec ? nrec : 1) * sizeof(*f->rec))) ||
	    !(f->rec_tlv = malloc((ntlv ? ntlv : 1) * sizeof(*f->rec_tlv)))) {
		ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto fail;
	}
	for (off = f->header_length; off < len;) {
		if (f->nrec == CTL_RECORDS_MAX) {
			ctl_err_set(err, CTL_E_REFUSED, (long)off, -1, (int)f->nrec + 1,
				    "more than %u records: no trust list phones use comes near "
				    "(an ITL fails past about 39 certificates); not read further",
				    CTL_RECORDS_MAX);
			goto fail;
		}
		memset(&f->rec[f->nrec], 0, sizeof(ctl_record));
		f->nrec++;
		if (parse_record(buf, len, off, (int)f->nrec, flags & CTL_PARSE_LAZY,
				 f->rec_tlv + used, &f->rec[f->nrec - 1], err))
			goto fail;
		used += f->rec[f->nrec - 1].ntlv;
		off += f->rec[f->nrec - 1].len;
	}
	*out = f;
	return CTL_OK;
fail:
	ctl_free(f);
	return err->status;
}

static size_t tlv_wire(const ctl_tlv *t)
{
	if (t->kind == CTL_TLV_PAD)
		return 1;
	if (t->kind == CTL_TLV_CONTAINER)
		return CTL_TLV_HDR;
	return CTL_TLV_HDR + t->len;
}

static uint8_t *tlv_emit(uint8_t *p, const ctl_tlv *t)
{
	*p++ = t->tag;
	if (t->kind == CTL_TLV_PAD)
		return p;
	*p++ = (uint8_t)(t->len >> 8);
	*p++ = (uint8_t)t->len;
	if (t->kind == CTL_TLV_PLAIN && t->len) {
		memcpy(p, t->val, t->len);
		p += t->len;
	}
	return p;
}

ctl_status ctl_serialize(const ctl_file *f, uint8_t **out, size_t *outlen, ctl_err *err)
{
	size_t n = 0;
	uint8_t *buf, *p;

	for (size_t i = 0; i < f->nhdr; i++)
		n += tlv_wire(&f->hdr[i]);
	for (size_t i = 0; i < f->nrec; i++)
		for (size_t j = 0; j < f->rec[i].ntlv; j++)
			n += tlv_wire(&f->rec[i].tlv[j]);
	if (!(buf = malloc(n ? n : 1)))
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	p = buf;
	for (size_t i = 0; i < f->nhdr; i++)
		p = tlv_emit(p, &f->hdr[i]);
	for (size_t i = 0; i < f->nrec; i++)
		for (size_t j = 0; j < f->rec[i].ntlv; j++)
			p = tlv_emit(p, &f->rec[i].tlv[j]);
	*out = buf;
	*outlen = n;
	return CTL_OK;
}

const ctl_tlv *ctl_hdr_find(const ctl_file *f, unsigned tag)
{
	for (size_t i = 0; i < f->nhdr; i++)
		if (f->hdr[i].tag == tag && f->hdr[i].kind != CTL_TLV_PAD)
			return &f->hdr[i];
	return NULL;
}

const ctl_tlv *ctl_rec_find(const ctl_record *r, unsigned tag)
{
	for (size_t i = 0; i < r->ntlv; i++)
		if (r->tlv[i].tag == tag)
			return &r->tlv[i];
	return NULL;
}

bool ctl_tlv_u8(const ctl_tlv *t, unsigned *v)
{
	if (!t || t->kind != CTL_TLV_PLAIN || t->len != 1)
		return false;
	*v = t->val[0];
	return true;
}

bool ctl_tlv_u16(const ctl_tlv *t, unsigned *v)
{
	if (!t || t->kind != CTL_TLV_PLAIN || t->len != 2)
		return false;
	*v = be16(t->val);
	return true;
}

bool ctl_tlv_u32(const ctl_tlv *t, uint32_t *v)
{
	if (!t || t->kind != CTL_TLV_PLAIN || t->len != 4)
		return false;
	*v = ((uint32_t)t->val[0] << 24) | ((uint32_t)t->val[1] << 16) |
	     ((uint32_t)t->val[2] << 8) | t->val[3];
	return true;
}

const char *ctl_tlv_str(const ctl_tlv *t)
{
	if (!t || t->kind != CTL_TLV_PLAIN || t->len == 0 || t->val[t->len - 1] != 0)
		return "";
	return (const char *)t->val;
}

int ctl_rec_function(const ctl_record *r)
{
	unsigned v;

	if (!ctl_tlv_u16(ctl_rec_find(r, CTL_R_FUNCTION), &v))
		return -1;
	return (int)v;
}

ctl_status ctl_signed_bytes(const uint8_t *file, size_t len, const ctl_file *f,
			    ctl_signed *out, ctl_err *err)
{
	const ctl_tlv *sig = ctl_hdr_find(f, CTL_H_SIGNATURE);
	size_t cut;

	if (!sig)
		return ctl_err_set(err, CTL_E_MALFORMED, -1, CTL_H_SIGNATURE, 0,
				   "header has no SIGNATURE");
	cut = CTL_TLV_HDR + sig->len;
	if (sig->off + cut > len || len != f->size)
		return ctl_err_set(err, CTL_E_INTERNAL, (long)sig->off, CTL_H_SIGNATURE, 0,
				   "file bytes do not match the parsed file");
	out->p[0] = file;
	out->n[0] = sig->off;
	out->p[1] = file + sig->off + cut;
	out->n[1] = len - sig->off - cut;
	return CTL_OK;
}

const char *ctl_kind(const ctl_file *f)
{
	const char *name = ctl_tlv_str(ctl_hdr_find(f, CTL_H_FILENAME));

	return strncmp(name, "ITL", 3) == 0 ? "ITL" : "CTL";
}

/* In-process driver for tests/e2e/mutate.sh: runs thousands of corrupted
 * variants of one trust list through the same core calls `ctlsign verify`
 * makes, without a process per variant.
 *   mutate_driver ORIGINAL PACK
 * PACK holds variants as <4-byte big-endian length><bytes>, repeated.
 * For each: ctl_parse must either succeed or fail with CTL_E_MALFORMED, a
 * byte offset (what the CLI prints as "at byte N") and a message; a parsed
 * variant must serialize to its own bytes and verify as CTL_OK only when it
 * is byte-identical to ORIGINAL, otherwise CTL_E_VERIFY with a reason.
 * Prints "FAIL <index>: why" per violation and a summary; exit 1 on any. */
#include "ctl.h"
#include "verify.h"

#include <openssl/err.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!fp)
		return NULL;
	do {
		if (n == cap) {
			uint8_t *p = realloc(buf, cap = cap ? cap * 2 : 1 << 16);
			if (!p) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = p;
		}
		r = fread(buf + n, 1, cap - n, fp);
		n += r;
	} while (r > 0);
	fclose(fp);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	uint8_t *orig, *pack;
	size_t olen, plen, off = 0;
	long idx = 0, nmal = 0, nver = 0, nok = 0, nfail = 0;
	/* The fixtures' TIMESTAMP, for reproducible expiry answers. */
	const time_t now = 1430968247;

	if (argc != 3) {
		fprintf(stderr, "usage: mutate_driver ORIGINAL PACK\n");
		return 2;
	}
	if (!(orig = slurp(argv[1], &olen)) || !(pack = slurp(argv[2], &plen))) {
		perror("mutate_driver");
		return 2;
	}
	while (off + 4 <= plen) {
		size_t n = ((size_t)pack[off] << 24) | ((size_t)pack[off + 1] << 16) |
			   ((size_t)pack[off + 2] << 8) | pack[off + 3];
		uint8_t *v;
		ctl_file *f = NULL;
		ctl_err e;
		ctl_status st;

		off += 4;
		if (n > plen - off) {
			fprintf(stderr, "mutate_driver: pack truncated at variant %ld\n", idx);
			return 2;
		}
		/* An exact-size copy, so ASan catches any read past the end. */
		v = malloc(n ? n : 1);
		memcpy(v, pack + off, n);
		off += n;
		st = ctl_parse(v, n, &f, &e);
		if (st == CTL_E_MALFORMED) {
			nmal++;
			if (e.offset < 0 || (size_t)e.offset > n || !e.msg[0]) {
				printf("FAIL %ld: malformed without offset/message (offset %ld, `%s')\n",
				       idx, e.offset, e.msg);
				nfail++;
			}
		} else if (st != CTL_OK) {
			printf("FAIL %ld: parse status %d: %s\n", idx, st, e.msg);
			nfail++;
		} else {
			uint8_t *out = NULL;
			size_t outlen = 0;
			ctl_verify_result r;

			if (ctl_serialize(f, &out, &outlen, &e) != CTL_OK || outlen != n ||
			    memcmp(out, v, n) != 0) {
				printf("FAIL %ld: serialize does not give the input back\n", idx);
				nfail++;
			}
			free(out);
			st = ctl_verify(v, n, f, NULL, now, &r, &e);
			if (st == CTL_OK) {
				nok++;
				if (n != olen || memcmp(v, orig, n) != 0) {
					printf("FAIL %ld: a changed file verifies\n", idx);
					nfail++;
				}
			} else if (st == CTL_E_VERIFY) {
				nver++;
				if (!e.msg[0] || !r.reason[0]) {
					printf("FAIL %ld: verification failed without a reason (signer_found %d)\n",
					       idx, r.signer_found);
					nfail++;
				}
			} else {
				printf("FAIL %ld: verify status %d: %s\n", idx, st, e.msg);
				nfail++;
			}
			ctl_free(f);
		}
		ERR_clear_error();
		free(v);
		idx++;
	}
	printf("driver: %ld variants, %ld malformed, %ld verify-failed, %ld valid, %ld failures\n",
	       idx, nmal, nver, nok, nfail);
	free(orig);
	free(pack);
	return nfail ? 1 : 0;
}

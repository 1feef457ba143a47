/* The structure-only walk of a trust list for tests/bench.sh: ctl_parse_ex()
 * with CTL_PARSE_BORROW | CTL_PARSE_LAZY (every TLV checked, every
 * certificate's DER shape walked, nothing decoded or copied), repeated for
 * SECONDS, in bytes per second; then SHA-1 over the same bytes the same way,
 * for information. Usage: bench-walk FILE SECONDS
 * Prints "walk BYTES_PER_S sha1 BYTES_PER_S". */
#include "ctl.h"
#include "io.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint8_t *buf = NULL, md[EVP_MAX_MD_SIZE];
	size_t len = 0;
	ctl_err err;
	double secs, t0, walk, sha;
	unsigned long n;

	if (argc != 3 || (secs = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: bench-walk FILE SECONDS\n");
		return 2;
	}
	if (ctl_read_file(argv[1], CTL_FILE_MAX, &buf, &len, &err)) {
		fprintf(stderr, "bench-walk: %s: %s\n", argv[1], err.msg);
		return 1;
	}
	for (n = 0, t0 = now(); n == 0 || now() - t0 < secs; n++) {
		ctl_file *f;

		if (ctl_parse_ex(buf, len, CTL_PARSE_BORROW | CTL_PARSE_LAZY, &f, &err)) {
			fprintf(stderr, "bench-walk: %s: %s\n", argv[1], err.msg);
			free(buf);
			return 1;
		}
		ctl_free(f);
	}
	walk = (double)len * (double)n / (now() - t0);
	for (n = 0, t0 = now(); n == 0 || now() - t0 < secs; n++)
		EVP_Digest(buf, len, md, NULL, EVP_sha1(), NULL);
	sha = (double)len * (double)n / (now() - t0);
	printf("walk %.0f sha1 %.0f\n", walk, sha);
	free(buf);
	return 0;
}

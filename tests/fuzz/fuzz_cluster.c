/* libFuzzer target for the cluster-file parser (ctl_cluster_load). There is
 * no cluster-file writer, so no round trip: the properties are that any
 * input either loads into a consistent description or is refused with a
 * message that names the file, and that nothing trips a sanitizer. The
 * parser reads a path, so each input is written to one private temporary
 * file first. */
#include "cluster.h"
#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                  \
	do {                                                                      \
		if (!(c)) {                                                       \
			fprintf(stderr, "fuzz_cluster: property failed: %s (%s:%d)\n", \
				#c, __FILE__, __LINE__);                          \
			abort();                                                  \
		}                                                                 \
	} while (0)

static char path[4096];

static void cleanup(void)
{
	if (path[0])
		unlink(path);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ctl_cluster *c = NULL;
	ctl_err err;
	ctl_status st;
	FILE *fp;

	if (!path[0]) {
		const char *tmp = getenv("TMPDIR");
		int fd;

		snprintf(path, sizeof(path), "%s/fuzz-cluster.XXXXXX.ini", tmp && *tmp ? tmp : "/tmp");
		fd = mkstemps(path, 4);
		CHECK(fd >= 0);
		close(fd);
		atexit(cleanup);
	}
	fp = fopen(path, "wb");
	CHECK(fp != NULL);
	CHECK(fwrite(data, 1, size, fp) == size);
	CHECK(fclose(fp) == 0);

	ctl_err_clear(&err);
	st = ctl_cluster_load(path, &c, &err);
	if (st == CTL_OK) {
		CHECK(c != NULL);
		CHECK(c->nnodes > 0 && c->nodes != NULL);
		for (size_t i = 0; i < c->nnodes; i++) {
			const ctl_cluster_node *n = &c->nodes[i];
			CHECK(n->name && n->name[0]);
			CHECK(n->src.line > 0);
			CHECK((n->roles & ~(unsigned)(CTL_NODE_CCM | CTL_NODE_TFTP | CTL_NODE_CAPF |
						      CTL_NODE_TVS)) == 0);
			/* Paths are resolved to absolute ones. */
			CHECK(!n->callmanager_cert || n->callmanager_cert[0] == '/');
			CHECK(!n->capf_cert || n->capf_cert[0] == '/');
			CHECK(!n->tvs_cert || n->tvs_cert[0] == '/');
		}
		for (size_t i = 0; i < c->nextra; i++) {
			CHECK(c->extra[i].name && c->extra[i].cert && c->extra[i].cert[0] == '/');
			CHECK(c->extra[i].role == CTL_ROLE_TFTP || c->extra[i].role == CTL_ROLE_CCM ||
			      c->extra[i].role == CTL_ROLE_APP_SERVER);
		}
		for (size_t i = 0; i < c->ntokens; i++)
			CHECK(c->tokens[i].name && c->tokens[i].cert);
		ctl_cluster_free(c);
	} else {
		CHECK(c == NULL);
		CHECK(st == CTL_E_MALFORMED || st == CTL_E_USAGE || st == CTL_E_IO);
		CHECK(err.msg[0] != '\0');
		/* "cluster.ini:12: ..." : every refusal names the file. */
		CHECK(strstr(err.msg, strrchr(path, '/') + 1) != NULL);
	}
	return 0;
}

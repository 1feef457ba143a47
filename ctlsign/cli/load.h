/* Reading and parsing a trust list for the commands. */
#ifndef CTLSIGN_LOAD_H
#define CTLSIGN_LOAD_H

#include <stdbool.h>
#include <sys/stat.h>

#include "ctl.h"
#include "verify.h"

typedef struct loaded {
	const char *path;
	uint8_t *buf;
	size_t len;
	struct stat st;
	bool have_st;
	ctl_file *f;      /* NULL when the file did not parse */
	ctl_err err;      /* why it did not */
} loaded;

/* Read and parse. Returns CTL_OK, or the status of the failure (err set). */
ctl_status load_file(const char *path, loaded *L);
void load_free(loaded *L);

/* "CTL"/"ITL": from FILENAME when parsed, else from the file's name. */
const char *load_kind(const loaded *L);

#endif

/* Reading and parsing a trust list for the commands. */
#ifndef CTLSIGN_LOAD_H
#define CTLSIGN_LOAD_H

#include <stdbool.h>
#include <sys/stat.h>

#include "ctl.h"
#include "phone.h"
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
/* The same with ctl_parse_ex() flags: CTL_PARSE_LAZY for a command that
 * needs only some certificates (verify: the signer's). */
ctl_status load_file_ex(const char *path, unsigned parse_flags, loaded *L);
void load_free(loaded *L);

/* "CTL"/"ITL": from FILENAME when parsed, else from the file's name. */
const char *load_kind(const loaded *L);

/* The lists phones hold, as a command is told them (--current, --itl, the
 * cluster file's current-ctl and current-itl): one CTL and one ITL at most. */
typedef struct held_file {
	bool set;
	loaded L;
	const char *from;      /* "--current", "current-ctl", "the output file" */
} held_file;

typedef struct held_lists {
	held_file ctl, itl;
	unsigned parse_flags;  /* for load_file_ex: CTL_PARSE_LAZY where the
				* certificates are decoded as checks need them */
} held_lists;

typedef enum { HELD_ANY, HELD_CTL, HELD_ITL } held_want;

/* Read path (a file or a URL) as a list phones hold, into its slot by
 * kind; from says who named it. Prints why not and returns its exit
 * status: the read's or the parse's, EXIT_MALFORMED when it is not the kind
 * wanted, EXIT_USAGE when a list of its kind is already there. */
int held_take(held_lists *h, const char *path, const char *from, held_want want);
/* The same for a list read already (with h->parse_flags): *L is taken
 * (moved into its slot, or freed). */
int held_put(held_lists *h, loaded *L, const char *from, held_want want);
/* The lists as the phone model takes them; ctl_known and itl_known are
 * whether each is set (a caller that knows phones hold none says so). */
void held_view(const held_lists *h, ctl_held *out);
void held_free(held_lists *h);

#endif

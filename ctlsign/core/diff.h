/* What changed between two trust lists: records added, removed, replaced
 * and changed, the signer, and the header. Records are paired the way an
 * administrator thinks of them: the same certificate in the same role is
 * the same record (whatever its strings); otherwise the same role on the
 * same host is a replaced certificate. */
#ifndef CTLSIGN_DIFF_H
#define CTLSIGN_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl.h"

typedef enum {
	CTL_CHANGE_ADDED,
	CTL_CHANGE_REMOVED,
	CTL_CHANGE_REPLACED,     /* same role and host, another certificate */
	CTL_CHANGE_CHANGED,      /* same certificate and role, other bytes */
} ctl_change_kind;

/* What differs in a CHANGED record. */
enum {
	CTL_DIFF_DNSNAME = 1u << 0,
	CTL_DIFF_IPADDRESS = 1u << 1,
	CTL_DIFF_SUBJECTNAME = 1u << 2,   /* the string, not the certificate */
	CTL_DIFF_ISSUERNAME = 1u << 3,
	CTL_DIFF_OTHER = 1u << 4,         /* other fields or their order */
};

/* Header fields that differ. */
enum {
	CTL_DIFF_H_VERSION = 1u << 0,
	CTL_DIFF_H_DIGEST = 1u << 1,
	CTL_DIFF_H_SIGNERVERSION = 1u << 2,
	CTL_DIFF_H_FILENAME = 1u << 3,
	CTL_DIFF_H_TIMESTAMP = 1u << 4,
	CTL_DIFF_H_SIGNER = 1u << 5,      /* SERIALNUMBER or CANAME (as a DN) */
	CTL_DIFF_H_SIGNERNAME = 1u << 6,  /* the SIGNERNAME string only */
	CTL_DIFF_H_KEYSIZE = 1u << 7,
};

typedef struct ctl_change {
	ctl_change_kind kind;
	int role;
	int old_record;          /* 1-based, 0 when added */
	int new_record;          /* 1-based, 0 when removed */
	unsigned what;           /* CHANGED: CTL_DIFF_* */
} ctl_change;

typedef struct ctl_diff {
	size_t n;
	ctl_change *c;
	unsigned header;         /* CTL_DIFF_H_* */
	size_t unchanged;        /* records identical byte for byte */
} ctl_diff;

/* Compare old and new. Changes come in the new file's record order, then
 * the removed records in the old file's order. */
ctl_status ctl_diff_files(const ctl_file *old, const ctl_file *new_, ctl_diff *d, ctl_err *err);
void ctl_diff_free(ctl_diff *d);

const char *ctl_change_word(ctl_change_kind k);

#endif

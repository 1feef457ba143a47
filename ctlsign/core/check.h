/* Preflight checks of trust lists against what phones hold and what the
 * cluster is: one finding per problem, with a stable code (docs/check.md),
 * a severity, what it is about and what to do. */
#ifndef CTLSIGN_CHECK_H
#define CTLSIGN_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cluster.h"
#include "ctl.h"
#include "phone.h"

typedef enum {
	CTL_SEV_INFO = 0,
	CTL_SEV_WARNING,
	CTL_SEV_ERROR,       /* blocks publishing */
} ctl_severity;

typedef struct ctl_finding {
	ctl_severity sev;
	const char *code;    /* stable, e.g. "NODE-CERT-STALE" */
	char *file;          /* the file it is about (a trust list or the cluster file) */
	int record;          /* 1-based record of that file, 0: the file as a whole */
	int line;            /* cluster file line, 0: none */
	char *role;          /* role keyword or cluster key, or NULL */
	char *host;          /* DNS name or node, or NULL */
	char *message;
	char *advice;        /* what to do, or NULL */
} ctl_finding;

typedef struct ctl_findings {
	size_t n;
	ctl_finding *f;
	size_t count[3];     /* per severity */
	bool oom;
} ctl_findings;

typedef struct ctl_check_in {
	/* The new list to check before publishing, or NULL (health check of
	 * what phones hold). */
	const char *new_path;
	const uint8_t *new_buf;
	size_t new_len;
	const ctl_file *new_f;
	/* What phones hold (ctl_known/itl_known as in phone.h). */
	ctl_held held;
	/* The cluster after the change, or NULL. */
	const ctl_cluster *cluster;
	/* Its TVS as the model needs it (empty when not known). */
	const ctl_tvs_view *tv;
	time_t at;                   /* certificates are judged at this time */
	bool legacy_digest_codes;
} ctl_check_in;

/* Run every check. Findings come out errors first, then warnings, then
 * information, each group in the order found. Returns CTL_OK when the
 * checks ran (whatever they found); another status when an input could not
 * be read (a certificate the cluster file names), err says which. */
ctl_status ctl_check(const ctl_check_in *in, ctl_findings *out, ctl_err *err);
void ctl_findings_free(ctl_findings *fs);

/* Building a report (check.c, live.c). What a finding is about: the
 * strings are copied. */
typedef struct ctl_finding_about {
	const char *file;
	int record;
	int line;
	const char *role;
	const char *host;
} ctl_finding_about;
/* Add a finding with the code's severity (from ctl_check_codes). Out of
 * memory sets fs->oom and adds nothing. */
void ctl_findings_add(ctl_findings *fs, const char *code, const ctl_finding_about *a,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Attach what to do to the finding added last. */
void ctl_findings_advise(ctl_findings *fs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Errors first, then warnings, then information; stable within each. */
void ctl_findings_order(ctl_findings *fs);

const char *ctl_severity_word(ctl_severity s);

/* Every code check can report, with its severity and a one-line meaning
 * (docs/check.md lists the same; a test keeps them together). */
typedef struct ctl_check_code {
	const char *code;
	ctl_severity sev;
	const char *meaning;
} ctl_check_code;
extern const ctl_check_code ctl_check_codes[];
extern const size_t ctl_check_ncodes;

#endif

/* From a cluster description to the records of a CTL or ITL and the key
 * that signs it, following CUCM's per-release presets. */
#ifndef CTLSIGN_PLAN_H
#define CTLSIGN_PLAN_H

#include "build.h"
#include "cluster.h"

typedef enum {
	CTL_SIGNER_ITLRECOVERY,
	CTL_SIGNER_CALLMANAGER,
	CTL_SIGNER_TOKEN,
} ctl_signer_kind;

/* What the release's tokenless preset says (CTL or ITL). */
ctl_signer_kind ctl_preset_signer(const ctl_release *r, bool itl);
/* Does the tokenless CTL carry ITLRecovery as a SAST record? */
bool ctl_preset_has_itlrecovery(const ctl_release *r);

typedef struct ctl_plan {
	ctl_signer_kind kind;
	char *key_path;        /* CTL_SIGNER_ITLRECOVERY / _CALLMANAGER: PEM key, may be NULL */
	char *cert_path;       /* the signer certificate */
	char *uri;             /* CTL_SIGNER_TOKEN */
	char *describe;        /* "ITLRecovery of ccm1 (release 12.5 preset)" */
} ctl_plan;

typedef struct ctl_plan_opts {
	bool itl;
	const char *node;      /* ITL: which node's ITL (NULL: the publisher) */
	bool non_secure;       /* force non-secure (also from mode = non-secure) */
} ctl_plan_opts;

/* Fill spec->e with the records (certificates loaded from the files the
 * cluster names) and plan with the signer. Errors name the cluster file,
 * line and key of the certificate that failed. */
ctl_status ctl_plan_cluster(const ctl_cluster *c, const ctl_plan_opts *o, ctl_spec *spec,
			    ctl_plan *plan, ctl_warnings *w, ctl_err *err);
void ctl_plan_free(ctl_plan *p);

#endif

/* From a cluster description to the records of a CTL or ITL and the key
 * that signs it, following CUCM's per-release presets. */
#ifndef CTLSIGN_PLAN_H
#define CTLSIGN_PLAN_H

#include "build.h"
#include "cluster.h"
#include "phone.h"

/* What the release's tokenless preset says: ITLRecovery from 12.0, before
 * that the CallManager key (of the publisher for the CTL, of the TFTP node
 * for its ITL; ITLs exist from 8.0 and are never signed by eTokens). */
ctl_signer_kind ctl_preset_signer(const ctl_release *r, bool itl);
/* Does the tokenless CTL carry ITLRecovery as a SAST record? */
bool ctl_preset_has_itlrecovery(const ctl_release *r);

typedef struct ctl_plan {
	ctl_signer_kind kind;
	char *key_path;        /* CTL_SIGNER_ITLRECOVERY / _CALLMANAGER: PEM key, may be NULL */
	char *cert_path;       /* the signer certificate */
	char *uri;             /* CTL_SIGNER_TOKEN */
	char *describe;        /* "ITLRecovery of ccm1 (release 12.5 preset)" */
	char *note;            /* something the admin should know about the choice, or NULL */
} ctl_plan;

typedef struct ctl_plan_opts {
	bool itl;
	const char *node;      /* ITL: which node's ITL (NULL: the publisher) */
	bool non_secure;       /* force non-secure (also from mode = non-secure) */
	/* A stand-in for the certificate a path names (borrowed), or NULL to
	 * read the file: `plan --regenerate' simulates certificates that do
	 * not exist yet. NULL: always read the files. */
	X509 *(*cert_for)(void *ctx, const char *path);
	void *ctx;
} ctl_plan_opts;

/* Fill spec->e with the records (certificates loaded from the files the
 * cluster names) and plan with the signer. Errors name the cluster file,
 * line and key of the certificate that failed. An ITL is built for a node
 * with the TFTP role only. */
ctl_status ctl_plan_cluster(const ctl_cluster *c, const ctl_plan_opts *o, ctl_spec *spec,
			    ctl_plan *plan, ctl_warnings *w, ctl_err *err);
void ctl_plan_free(ctl_plan *p);

/* The cluster's TVS as the model needs it (phone.h): every TVS certificate,
 * and what TVS vouches for (each node's CallManager, ITLRecovery, every
 * [token]). Known only when the cluster names at least one TVS. */
ctl_status ctl_plan_tvs_view(const ctl_cluster *c, const ctl_plan_opts *o, ctl_tvs_view *v,
			     ctl_err *err);

#endif

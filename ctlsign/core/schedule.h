/* `plan --regenerate': the safe order of operations for replacing cluster
 * certificates. Each regenerated certificate is simulated by a stand-in
 * (a fresh key under the same name), the lists CUCM would then serve are
 * laid out, and every step is judged with the phone model (phone.h)
 * against what phones hold at that moment. */
#ifndef CTLSIGN_SCHEDULE_H
#define CTLSIGN_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>

#include "cluster.h"
#include "phone.h"

typedef enum {
	CTL_REGEN_CALLMANAGER,
	CTL_REGEN_TVS,
	CTL_REGEN_CAPF,
	CTL_REGEN_TOMCAT,
	CTL_REGEN_IPSEC,
	CTL_REGEN_ITLRECOVERY,
	CTL_REGEN_CALLMANAGER_ECDSA,
} ctl_regen_role;

typedef struct ctl_regen {
	ctl_regen_role role;
	const ctl_cluster_node *node;
} ctl_regen;

/* "callmanager@pub,tvs@sub1": appended to *r. Roles: callmanager, tvs,
 * capf, tomcat, ipsec, itlrecovery, callmanager-ecdsa; NODE is a [node]
 * name or host. Errors (CTL_E_USAGE) name the item and say why. */
ctl_status ctl_regen_parse(const ctl_cluster *c, const char *list, ctl_regen **r, size_t *n,
			   ctl_err *err);
const char *ctl_regen_word(ctl_regen_role role);

typedef enum {
	CTL_STEP_RULE,         /* a rule the order follows */
	CTL_STEP_REGENERATE,
	CTL_STEP_UPDATE_CTL,   /* run `command' and publish the CTL */
	CTL_STEP_ITL,          /* a TFTP node serves a new ITL */
	CTL_STEP_RESTART,
	CTL_STEP_RESET,        /* reset the phones and wait */
	CTL_STEP_LSC,          /* reissue LSCs */
	CTL_STEP_NOTE,
} ctl_step_kind;

typedef struct ctl_step {
	ctl_step_kind kind;
	char *text;            /* what to do */
	char *command;         /* the exact command, or NULL */
	bool judged;           /* a list phones get: verdict below */
	ctl_phone_result verdict;
} ctl_step;

typedef struct ctl_schedule_opts {
	const char *cluster_path;   /* as the admin names it, for commands */
	const char *ctl_name;       /* the CTL phones hold, for commands (CTLFile.tlv) */
	const char *itl_name;       /* the ITL, likewise (ITLFile.tlv) */
	bool upgrade;               /* an upgrade is in progress */
} ctl_schedule_opts;

typedef struct ctl_schedule {
	size_t n;
	ctl_step *s;               /* rules first, then numbered steps */
	bool broken;               /* a step phones would reject */
	bool tvs_only;             /* a step only phones that can ask TVS take */
	bool bridged;              /* an extra CTL update keeps every phone's trust */
	char *advice;              /* broken: what would keep a trust path */
} ctl_schedule;

/* Plan the regeneration of r[0..n-1]. held: what phones hold now; a list
 * not given is laid out from the cluster as it is before the change. */
ctl_status ctl_schedule_make(const ctl_cluster *c, const ctl_regen *r, size_t n,
			     const ctl_held *held, const ctl_schedule_opts *o, ctl_schedule *out,
			     ctl_err *err);
void ctl_schedule_free(ctl_schedule *s);

#endif

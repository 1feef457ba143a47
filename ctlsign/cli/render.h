/* How the phone model's answers and the changes between two lists are
 * shown, the same way by build, verify, diff and check: human text and
 * JSON. */
#ifndef CTLSIGN_RENDER_H
#define CTLSIGN_RENDER_H

#include <json-c/json.h>
#include <stdio.h>

#include "ctl.h"
#include "diff.h"
#include "phone.h"

/* The verdict as one JSON object: verdict, path, held, held_record,
 * held_role, why, caveat, advice. */
json_object *verdict_json(const ctl_phone_result *r);

/* "  record 1 of CTLFile.tlv: SAST CN=..., serial AA:BB" for each anchor
 * phones would accept as the signer of a list of this kind, after a line
 * naming them. Nothing when phones hold nothing. */
void print_held_signers(FILE *out, const char *prefix, const ctl_held *h, bool itl);

/* The refusal of a new list phones would not take: headline (stderr),
 * caveat, the held signers, what to do. */
void print_refusal(const ctl_held *h, bool itl, const ctl_phone_result *r);

/* One line per change, then the signer and header changes:
 *   replaced  CCM+TFTP  cucm-pub 192.0.2.10  serial AA:.. (until 2027-01-01) -> serial BB:.. (until 2031-01-01)
 * `indent' starts every line. */
void print_changes(FILE *out, const char *indent, const ctl_file *old, const ctl_file *new_,
		   const ctl_diff *d);
json_object *changes_json(const ctl_file *old, const ctl_file *new_, const ctl_diff *d);

#endif

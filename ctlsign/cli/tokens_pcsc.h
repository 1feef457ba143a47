/* The PC/SC and USB sections of `ctlsign tokens' (tokens_pcsc.c): every
 * reader and the card in it, and every USB device that is a known token
 * family, named by the token profiles, with a hint when no PKCS#11 module
 * shows it (docs/token-profiles.md). */
#ifndef CTLSIGN_TOKENS_PCSC_H
#define CTLSIGN_TOKENS_PCSC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "pcsc.h"
#include "profiles.h"
#include "usb.h"

/* Human text goes to out; with json, "pcsc" and "usb" are added to jroot
 * instead. present_token_models: every CK_TOKEN_INFO model and
 * manufacturerID string the PKCS#11 listing found (either kind matches).
 * Returns 0 (also with no PC/SC service, no readers, no sysfs) or an exit
 * code. */
int tokens_pcsc_section(FILE *out, json_object *jroot, bool json,
			const char *const *present_token_models, size_t n_models);

/* What tokens_pcsc_section found, shown (tests, and callers that scanned
 * already); profiles may be NULL, usb may be NULL when nusb is 0. */
typedef struct tokens_found {
	const ctl_pcsc_listing *scan;
	const ctl_usb_token *usb;
	size_t nusb;
	const ctl_profile_set *profiles;
} tokens_found;
int tokens_pcsc_render(FILE *out, json_object *jroot, bool json, const tokens_found *found,
		       const char *const *present_token_models, size_t n_models);

#endif

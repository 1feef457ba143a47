/* PC/SC reader enumeration through pcsc-lite. It reads each card's ATR with
 * SCardGetStatusChange (no SCardConnect: a token another program holds is
 * not disturbed) and names the token family from the token profiles. It is
 * how ctlsign can say "an eToken is plugged in but no PKCS#11 module shows
 * it: install the middleware". */
#ifndef CTLSIGN_PCSC_H
#define CTLSIGN_PCSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"
#include "profiles.h"

enum ctl_pcsc_state {
	CTL_PCSC_OK,          /* service answered and listed readers */
	CTL_PCSC_NO_SERVICE,  /* SCARD_E_NO_SERVICE: pcscd is not running */
	CTL_PCSC_NO_READERS,  /* SCARD_E_NO_READERS_AVAILABLE */
};

enum ctl_pcsc_card {
	CTL_CARD_ABSENT,      /* reader empty */
	CTL_CARD_PRESENT,     /* card answered: atr/atr_len are valid */
	CTL_CARD_MUTE,        /* card present but gave no usable ATR */
	CTL_CARD_UNAVAILABLE, /* reader state not available (e.g. being reset) */
};

struct ctl_pcsc_reader {
	char *name;
	enum ctl_pcsc_card card;
	bool in_use;          /* another program has the card (shared/exclusive) */
	unsigned char atr[CTL_ATR_MAX];
	size_t atr_len;
	/* NULL when there is no card or the ATR is unknown; points into the
	 * profile set passed to ctl_pcsc_scan, which must outlive the scan. */
	const struct ctl_profile *profile;
	const struct ctl_atr_pattern *pattern;
};

struct ctl_pcsc_scan {
	enum ctl_pcsc_state state;
	long rv;              /* pcsc-lite result behind a NO_* state */
	struct ctl_pcsc_reader *readers;
	size_t n_readers;
};

/* Enumerate readers and cards. No service and no readers are normal states
 * (CTL_OK, scan->state says which); other pcsc-lite failures are
 * CTL_E_INTERNAL with the SCARD_E_* name and code in err. profiles may be
 * NULL (no identification). Free with ctl_pcsc_scan_free even on error. */
ctl_status ctl_pcsc_scan(const struct ctl_profile_set *profiles,
			 struct ctl_pcsc_scan *scan, ctl_err *err);
void ctl_pcsc_scan_free(struct ctl_pcsc_scan *scan);

/* "3B D5 18 …": upper-case hex, single spaces. buf needs 3 * CTL_ATR_MAX. */
const char *ctl_atr_format(const unsigned char *atr, size_t len, char *buf, size_t n);

/* Whether a reader's token family is reachable through PKCS#11: true when
 * one of the strings (CK_TOKEN_INFO model or manufacturer values the
 * PKCS#11 listing found) belongs to the family's profile. */
bool ctl_pcsc_family_visible(const struct ctl_profile *profile,
			     const char *const *present_token_models, size_t n_models);

/* Command layer (ctlsign/cli/tokens_pcsc.c): the "PC/SC readers" section of
 * `ctlsign tokens`. Human text goes to out; with json it adds "pcsc" to
 * jroot instead. present_token_models: every CK_TOKEN_INFO model and
 * manufacturerID string the PKCS#11 listing found (either kind matches).
 * Returns 0 (also with no PC/SC service or no readers) or an exit code. */
struct json_object;
int tokens_pcsc_section(FILE *out, struct json_object *jroot, bool json,
			const char *const *present_token_models, size_t n_models);
/* The same with the data supplied (tests, and callers that scanned already);
 * profiles may be NULL. */
int tokens_pcsc_render(FILE *out, struct json_object *jroot, bool json,
		       const struct ctl_pcsc_scan *scan,
		       const struct ctl_profile_set *profiles,
		       const char *const *present_token_models, size_t n_models);

#endif

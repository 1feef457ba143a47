/* PC/SC reader enumeration through pcsc-lite. It reads each card's ATR with
 * SCardGetStatusChange (no SCardConnect: a token another program holds is
 * not disturbed) and names the token family from the token profiles. It is
 * how ctlsign can say "an eToken is plugged in but no PKCS#11 module shows
 * it: install the middleware". */
#ifndef CTLSIGN_PCSC_H
#define CTLSIGN_PCSC_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "profiles.h"

typedef enum {
	CTL_PCSC_OK,          /* service answered and listed readers */
	CTL_PCSC_NO_SERVICE,  /* SCARD_E_NO_SERVICE: pcscd is not running */
	CTL_PCSC_NO_READERS,  /* SCARD_E_NO_READERS_AVAILABLE */
} ctl_pcsc_state;

typedef enum {
	CTL_CARD_ABSENT,      /* reader empty */
	CTL_CARD_PRESENT,     /* card answered: atr/atr_len are valid */
	CTL_CARD_MUTE,        /* card present but gave no usable ATR */
	CTL_CARD_UNAVAILABLE, /* reader state not available (e.g. being reset) */
} ctl_pcsc_card;

typedef struct ctl_pcsc_reader {
	char *name;
	ctl_pcsc_card card;
	bool in_use;          /* another program has the card (shared/exclusive) */
	unsigned char atr[CTL_ATR_MAX];
	size_t atr_len;
	/* NULL when there is no card or the ATR is unknown; points into the
	 * profile set passed to ctl_pcsc_scan, which must outlive the listing. */
	const ctl_profile *profile;
	const ctl_atr_pattern *pattern;
} ctl_pcsc_reader;

typedef struct ctl_pcsc_listing {
	ctl_pcsc_state state;
	long rv;              /* pcsc-lite result behind a NO_* state */
	ctl_pcsc_reader *readers;
	size_t n_readers;
} ctl_pcsc_listing;

/* Enumerate readers and cards. No service and no readers are normal states
 * (CTL_OK, scan->state says which); other pcsc-lite failures are
 * CTL_E_INTERNAL with the SCARD_E_* name and code in err. profiles may be
 * NULL (no identification). Free with ctl_pcsc_scan_free even on error. */
ctl_status ctl_pcsc_scan(const ctl_profile_set *profiles,
			 ctl_pcsc_listing *scan, ctl_err *err);
void ctl_pcsc_scan_free(ctl_pcsc_listing *scan);

/* "3B D5 18 …": upper-case hex, single spaces. buf needs 3 * CTL_ATR_MAX. */
const char *ctl_atr_format(const unsigned char *atr, size_t len, char *buf, size_t n);

/* Whether a reader's token family is reachable through PKCS#11: true when
 * one of the strings (CK_TOKEN_INFO model or manufacturer values the
 * PKCS#11 listing found) belongs to the family's profile. */
bool ctl_pcsc_family_visible(const ctl_profile *profile,
			     const char *const *present_token_models, size_t n_models);

#endif

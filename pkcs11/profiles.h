/* Token profiles: what each token family looks like from PC/SC (ATRs, USB
 * ids) and from PKCS#11 (manufacturer/model strings), which vendor module it
 * needs and its PIN policy. The facts live in token-profiles/<id>.profile
 * (INI, parsed with inih; format in docs/token-profiles.md) so that a new
 * token model is a data change, not a code change. */
#ifndef CTLSIGN_PROFILES_H
#define CTLSIGN_PROFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* ISO 7816-3: an ATR is at most 33 bytes. */
#define CTL_ATR_MAX 33
/* Profile files are small; anything bigger is not a profile. */
#define CTL_PROFILE_MAX_BYTES 65536
/* Longest line accepted; inih (built with INI_MAX_LINE 200) would silently
 * split longer ones. */
#define CTL_PROFILE_MAX_LINE 190
/* Environment variable that overrides the profile directory. */
#define CTL_PROFILES_ENV "CTLSIGN_PROFILES_DIR"

typedef enum { CTL_OS_LINUX, CTL_OS_WINDOWS, CTL_OS_MACOS, CTL_OS_COUNT } ctl_os;

#if defined(_WIN32)
#define CTL_OS_HOST CTL_OS_WINDOWS
#elif defined(__APPLE__)
#define CTL_OS_HOST CTL_OS_MACOS
#else
#define CTL_OS_HOST CTL_OS_LINUX
#endif

typedef enum { CTL_KIND_USB_TOKEN, CTL_KIND_SOFTWARE } ctl_token_kind;

typedef struct ctl_strlist {
	char **v;
	size_t n;
} ctl_strlist;

typedef struct ctl_atr_pattern {
	char *id;                 /* section name after "atr:" */
	char *label;              /* e.g. "eToken 5110+ FIPS" */
	unsigned char bytes[CTL_ATR_MAX];
	unsigned char mask[CTL_ATR_MAX];  /* all 0xFF when the file gives none */
	size_t len;
	int line;                 /* line of the [atr:ID] header */
} ctl_atr_pattern;

typedef struct ctl_usb_id {
	uint16_t vendor, product;
} ctl_usb_id;

typedef struct ctl_profile {
	char *id;                 /* file name without ".profile" */
	char *path;               /* file it came from */
	char *name;               /* human name of the family */
	char *vendor;
	ctl_token_kind kind;
	char *connection;         /* "ccid", "vendor-driver" or "none" */
	char *middleware;         /* what to install, e.g. "SafeNet Authentication Client" */
	char *notes;              /* may be NULL */
	ctl_usb_id *usb_ids;
	size_t n_usb_ids;
	unsigned *key_sizes;      /* RSA modulus bits */
	size_t n_key_sizes;
	ctl_strlist modules[CTL_OS_COUNT];  /* PKCS#11 module file names */
	ctl_strlist manufacturers;          /* CK_TOKEN_INFO manufacturerID */
	ctl_strlist models;                 /* CK_TOKEN_INFO model */
	int pin_retries;          /* wrong PINs tolerated; -1 = no counter */
	int pin_locks_after;      /* failure number that locks; -1 = never */
	bool pin_lock_permanent;  /* the lock needs the admin/SO PIN (or is final) */
	ctl_atr_pattern *atrs;
	size_t n_atrs;
} ctl_profile;

typedef struct ctl_profile_set {
	char *dir;
	ctl_profile *v;           /* sorted by file name */
	size_t n;
} ctl_profile_set;

/* Parse one profile from memory. `path` names the input in errors
 * ("PATH:LINE: [section] key: problem") and `id` becomes profile->id.
 * On error *out is left empty (nothing to free). */
ctl_status ctl_profile_parse(const char *path, const char *id, const char *text,
			     size_t len, ctl_profile *out, ctl_err *err);
void ctl_profile_clear(ctl_profile *p);

/* Load every *.profile in dir (sorted by name). Fails on the first bad file,
 * on a directory without profiles, on ATR patterns of two families that can
 * match the same ATR and on a USB id claimed twice. */
ctl_status ctl_profiles_load_dir(const char *dir, ctl_profile_set **out,
				 ctl_err *err);
/* Directory to load from: $CTLSIGN_PROFILES_DIR if set, else
 * <binary dir>/../token-profiles when present (a build tree), else
 * CTLSIGN_DATADIR "/token-profiles" when present. */
ctl_status ctl_profiles_default_dir(char *buf, size_t n, ctl_err *err);
ctl_status ctl_profiles_load_default(ctl_profile_set **out, ctl_err *err);
void ctl_profiles_free(ctl_profile_set *set);

/* Masked comparison: same length and (atr & mask) == (bytes & mask). */
bool ctl_atr_match(const ctl_atr_pattern *pat, const unsigned char *atr,
		   size_t len);
/* The profile whose pattern matches atr (and the pattern, if pat != NULL);
 * NULL when none does. Load-time checks guarantee at most one family. */
const ctl_profile *ctl_profiles_match_atr(const ctl_profile_set *set,
						 const unsigned char *atr, size_t len,
						 const ctl_atr_pattern **pat);
const ctl_profile *ctl_profiles_find_usb(const ctl_profile_set *set,
						uint16_t vendor, uint16_t product);
/* The families a PKCS#11 token may be: every profile listing both its
 * CK_TOKEN_INFO manufacturer and model (compared without case and without
 * the fields' space padding). Several eToken families show SafeNet's
 * strings, so what one says holds only when all of them say it. The first
 * max go to out; returns how many there are. */
size_t ctl_profiles_families(const ctl_profile_set *set, const char *manufacturer,
			     const char *model, const ctl_profile **out, size_t max);
/* True when s is one of the profile's manufacturer or model strings. */
bool ctl_profile_claims_pkcs11_string(const ctl_profile *p, const char *s);
/* Does the family sign with RSA keys of this many bits (key_sizes)? */
bool ctl_profile_signs_with(const ctl_profile *p, unsigned bits);
/* The [pin] policy in words: "15 wrong PINs tolerated, the 16th locks it;
 * only the administrator (SO) password set at initialisation unlocks it".
 * Returns buf. */
char *ctl_profile_pin_policy(const ctl_profile *p, char *buf, size_t n);

#endif

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

enum ctl_os { CTL_OS_LINUX, CTL_OS_WINDOWS, CTL_OS_MACOS, CTL_OS_COUNT };

#if defined(_WIN32)
#define CTL_OS_HOST CTL_OS_WINDOWS
#elif defined(__APPLE__)
#define CTL_OS_HOST CTL_OS_MACOS
#else
#define CTL_OS_HOST CTL_OS_LINUX
#endif

enum ctl_token_kind { CTL_KIND_USB_TOKEN, CTL_KIND_SOFTWARE };

struct ctl_strlist {
	char **v;
	size_t n;
};

struct ctl_atr_pattern {
	char *id;                 /* section name after "atr:" */
	char *label;              /* e.g. "eToken 5110+ FIPS" */
	unsigned char bytes[CTL_ATR_MAX];
	unsigned char mask[CTL_ATR_MAX];  /* all 0xFF when the file gives none */
	size_t len;
	int line;                 /* line of the [atr:ID] header */
};

struct ctl_usb_id {
	uint16_t vendor, product;
};

struct ctl_profile {
	char *id;                 /* file name without ".profile" */
	char *path;               /* file it came from */
	char *name;               /* human name of the family */
	char *vendor;
	enum ctl_token_kind kind;
	char *connection;         /* "ccid", "vendor-driver" or "none" */
	char *middleware;         /* what to install, e.g. "SafeNet Authentication Client" */
	char *notes;              /* may be NULL */
	struct ctl_usb_id *usb_ids;
	size_t n_usb_ids;
	unsigned *key_sizes;      /* RSA modulus bits */
	size_t n_key_sizes;
	struct ctl_strlist modules[CTL_OS_COUNT];  /* PKCS#11 module file names */
	struct ctl_strlist manufacturers;          /* CK_TOKEN_INFO manufacturerID */
	struct ctl_strlist models;                 /* CK_TOKEN_INFO model */
	int pin_retries;          /* wrong PINs tolerated; -1 = no counter */
	int pin_locks_after;      /* failure number that locks; -1 = never */
	bool pin_lock_permanent;  /* the lock needs the admin/SO PIN (or is final) */
	char *pin_default_note;   /* may be NULL */
	char *pin_notes;          /* may be NULL */
	struct ctl_atr_pattern *atrs;
	size_t n_atrs;
};

struct ctl_profile_set {
	char *dir;
	struct ctl_profile *v;    /* sorted by file name */
	size_t n;
};

/* Parse one profile from memory. `path` names the input in errors
 * ("PATH:LINE: [section] key: problem") and `id` becomes profile->id.
 * On error *out is left empty (nothing to free). */
ctl_status ctl_profile_parse(const char *path, const char *id, const char *text,
			     size_t len, struct ctl_profile *out, ctl_err *err);
void ctl_profile_clear(struct ctl_profile *p);

/* Load every *.profile in dir (sorted by name). Fails on the first bad file,
 * on a directory without profiles, on ATR patterns of two families that can
 * match the same ATR and on a USB id claimed twice. */
ctl_status ctl_profiles_load_dir(const char *dir, struct ctl_profile_set **out,
				 ctl_err *err);
/* Directory to load from: $CTLSIGN_PROFILES_DIR if set, else
 * <binary dir>/../token-profiles when present (a build tree), else
 * CTLSIGN_DATADIR "/token-profiles" when present. */
ctl_status ctl_profiles_default_dir(char *buf, size_t n, ctl_err *err);
ctl_status ctl_profiles_load_default(struct ctl_profile_set **out, ctl_err *err);
void ctl_profiles_free(struct ctl_profile_set *set);

/* Masked comparison: same length and (atr & mask) == (bytes & mask). */
bool ctl_atr_match(const struct ctl_atr_pattern *pat, const unsigned char *atr,
		   size_t len);
/* The profile whose pattern matches atr (and the pattern, if pat != NULL);
 * NULL when none does. Load-time checks guarantee at most one family. */
const struct ctl_profile *ctl_profiles_match_atr(const struct ctl_profile_set *set,
						 const unsigned char *atr, size_t len,
						 const struct ctl_atr_pattern **pat);
const struct ctl_profile *ctl_profiles_find_usb(const struct ctl_profile_set *set,
						uint16_t vendor, uint16_t product);
/* First profile (by file name) listing both strings; either may be NULL to
 * match on the other alone. Comparison ignores case and the space padding
 * of CK_TOKEN_INFO fields. Several eToken families share SafeNet's strings,
 * so a match names *a* family that shows them. */
const struct ctl_profile *ctl_profiles_find_pkcs11(const struct ctl_profile_set *set,
						   const char *manufacturer,
						   const char *model);
/* True when s is one of the profile's manufacturer or model strings. */
bool ctl_profile_claims_pkcs11_string(const struct ctl_profile *p, const char *s);
const char *ctl_os_name(enum ctl_os os);

#endif
